package io.sipfleet.api.mqtt;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.sipfleet.simulator.sip.TlsMaterial;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * A real Mosquitto with a TLS listener only, on 127.0.0.1 and a free port: a certificate freshly generated
 * by {@link TlsMaterial#generate(Path)} (SAN 127.0.0.1), exported as PEM for mosquitto, no anonymous
 * clients, one account ({@link #USER} / {@link #PASSWORD}) in a {@code mosquitto_passwd} file. The service
 * is configured for TLS with a PKCS12 trust store holding that certificate, and with the credentials;
 * init argument {@code service-password} gives the service another password (a negative test).
 */
public class MosquittoTls implements QuarkusTestResourceLifecycleManager {
    static final String USER = "sipfleet-svc";
    static final String PASSWORD = "s3cret-tls";
    static final String TRUST_PASSWORD = "trust-pw";
    /** System property: set when mosquitto is running (so the tests do not assume it away). */
    static final String RUNNING = "test-mosquitto-tls.running";

    private String servicePassword = PASSWORD;
    private Process process;
    private Path dir;

    static boolean available() {
        return Mosquitto.binary().isPresent() && System.getProperty(RUNNING) != null;
    }

    static Path passwd() {
        return Mosquitto.binary().map(b -> b.resolveSibling("mosquitto_passwd"))
                .filter(Files::isExecutable)
                .or(() -> Stream.of("/usr/bin", "/usr/local/bin", "/usr/sbin").map(d -> Path.of(d, "mosquitto_passwd"))
                        .filter(Files::isExecutable).findFirst())
                .orElse(null);
    }

    @Override
    public void init(Map<String, String> initArgs) {
        servicePassword = initArgs.getOrDefault("service-password", PASSWORD);
    }

    @Override
    public Map<String, String> start() {
        try {
            int port;
            try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                port = s.getLocalPort();
            }
            Map<String, String> config = new HashMap<>(Map.of(
                    "sipfleet.mqtt.embedded", "false",
                    "sipfleet.mqtt.host", "127.0.0.1",
                    "sipfleet.mqtt.port", Integer.toString(port),
                    "sipfleet.mqtt.tls", "true",
                    "sipfleet.mqtt.username", USER,
                    "sipfleet.mqtt.password", servicePassword));
            if (Mosquitto.binary().isEmpty() || passwd() == null) {
                return config; // the tests assume it away; the service points at a closed port meanwhile
            }
            dir = Files.createTempDirectory("sipfleet-mosquitto-tls");
            TlsMaterial material = TlsMaterial.generate(dir.resolve("material"));
            Path cert = dir.resolve("cert.pem");
            Path key = dir.resolve("key.pem");
            material.writePem(cert, key);
            // a trust store of our own holding the certificate, with a password the test knows
            Path trust = dir.resolve("trust.p12");
            KeyStore ts = KeyStore.getInstance("PKCS12");
            ts.load(null, null);
            ts.setCertificateEntry("mosquitto", material.certificate());
            try (OutputStream out = Files.newOutputStream(trust)) {
                ts.store(out, TRUST_PASSWORD.toCharArray());
            }
            Path passwords = dir.resolve("passwd");
            Process pw = new ProcessBuilder(passwd().toString(), "-b", "-c", passwords.toString(), USER, PASSWORD)
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("log").toFile()))
                    .start();
            if (!pw.waitFor(10, TimeUnit.SECONDS) || pw.exitValue() != 0) {
                throw new IllegalStateException("mosquitto_passwd failed: " + Files.readString(dir.resolve("log")));
            }
            Files.writeString(dir.resolve("mosquitto.conf"), String.join("\n", List.of(
                    // run as root, mosquitto would switch to user mosquitto, who cannot read the 0600 files
                    "user " + System.getProperty("user.name"),
                    "per_listener_settings false",
                    "allow_anonymous false",
                    "password_file " + passwords,
                    "persistence false",
                    "log_dest stderr",
                    "log_type error",
                    "log_type warning",
                    "listener " + port + " 127.0.0.1",
                    "certfile " + cert,
                    "keyfile " + key,
                    "")));
            process = new ProcessBuilder(Mosquitto.binary().orElseThrow().toString(), "-c",
                    dir.resolve("mosquitto.conf").toString())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("log").toFile()))
                    .start();
            awaitListening(port);
            System.setProperty(RUNNING, Long.toString(process.pid()));
            config.put("mp.messaging.connector.smallrye-mqtt.ssl.truststore.location", trust.toString());
            config.put("mp.messaging.connector.smallrye-mqtt.ssl.truststore.password", TRUST_PASSWORD);
            config.put("mp.messaging.connector.smallrye-mqtt.ssl.truststore.type", "pkcs12");
            return config;
        } catch (IOException | java.security.GeneralSecurityException e) {
            throw new IllegalStateException("cannot start mosquitto with TLS", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void awaitListening(int port) throws IOException, InterruptedException {
        long deadline = System.currentTimeMillis() + 10_000;
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException e) {
                if (!process.isAlive() || System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("mosquitto did not listen on " + port + "; its log: "
                            + Files.readString(dir.resolve("log")), e);
                }
                Thread.sleep(20);
            }
        }
    }

    /** A socket factory trusting the broker's certificate only (the service's trust store). */
    static SSLSocketFactory clientTls() throws Exception {
        var config = org.eclipse.microprofile.config.ConfigProvider.getConfig();
        KeyStore ts = KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(Path.of(config.getValue(
                "mp.messaging.connector.smallrye-mqtt.ssl.truststore.location", String.class)))) {
            ts.load(in, TRUST_PASSWORD.toCharArray());
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ts);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx.getSocketFactory();
    }

    /** A Paho client over TLS with the broker's one account. */
    static MqttProbe connect() throws Exception {
        return MqttProbe.connect("ssl://127.0.0.1:" + MqttProbe.brokerPort(), USER, PASSWORD, clientTls());
    }

    @Override
    public void stop() {
        System.clearProperty(RUNNING);
        if (process != null) {
            process.destroyForcibly();
            try {
                process.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("mosquitto " + process.pid() + " did not die", e);
            }
        }
        if (dir != null) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            } catch (IOException e) {
                // a temporary directory left behind
            }
        }
    }
}
