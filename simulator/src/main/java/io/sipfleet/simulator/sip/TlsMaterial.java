package io.sipfleet.simulator.sip;

import gov.nist.core.net.NetworkLayer;
import gov.nist.javax.sip.SipStackImpl;
import gov.nist.javax.sip.stack.ClientAuthType;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The TLS key store and trust store of the simulator's SIP stacks (the phones' and the built-in
 * servers'), and what JAIN-SIP needs to use them.
 *
 * <p>Either given ({@link #of}: paths and passwords of existing stores) or generated: by default
 * {@link #generated()} makes, once per JVM, a self-signed RSA certificate with CN=sipfleet and
 * subject alternative names 127.0.0.1 .. 127.0.0.9 and localhost, with the JDK's own {@code keytool}
 * ({@code $java.home/bin/keytool}), into a private temporary directory removed at exit: a PKCS12 key
 * store with the key and a PKCS12 trust store with the certificate. Because the phones and the
 * built-in servers share that material by default, each trusts the other. Passwords are random, go to
 * {@code keytool} through its environment (never its command line) and are never logged or printed:
 * {@link #toString()} names the files only.
 *
 * <p>The stacks get the material through JAIN-SIP 1.3.0-91's own properties ({@link #stackProperties}):
 * {@code javax.net.ssl.keyStore}, {@code javax.net.ssl.keyStorePassword}, {@code javax.net.ssl.keyStoreType},
 * {@code javax.net.ssl.trustStore}, {@code javax.net.ssl.trustStorePassword}, {@code javax.net.ssl.trustStoreType},
 * {@code gov.nist.javax.sip.TLS_CLIENT_AUTH_TYPE=Disabled} (no client certificates asked for; the
 * client side still checks the server's certificate against the trust store),
 * {@code gov.nist.javax.sip.TLS_CLIENT_PROTOCOLS}, {@code gov.nist.javax.sip.ENABLED_CIPHER_SUITES}
 * (the stack's defaults are RSA key exchange and 3DES, which newer JDKs refuse) and
 * {@code gov.nist.javax.sip.SSL_HANDSHAKE_TIMEOUT}. JAIN-SIP builds its SSL network layer from the
 * {@code javax.net.ssl.*} properties but drops it when {@code gov.nist.javax.sip.NETWORK_LAYER} names
 * another one, as {@link SipStacks} does for TCP_NODELAY: {@link NoDelayTlsNetworkLayer} reads the same
 * properties back from the stack, so both hold. As everywhere in JAIN-SIP, a JVM system property of
 * the same name wins over the stack's. The stack logs its properties at debug level: {@link SipStacks}
 * hands them over in a {@code Properties} whose {@code toString()} masks every password.
 *
 * <p>Phones check a server's certificate against the trust store only: JAIN-SIP matches no host name
 * (the subject alternative names are there for other clients, e.g. a SIP tool pointed at the servers).
 */
public final class TlsMaterial {
    private static final System.Logger LOG = System.getLogger(TlsMaterial.class.getName());

    /** The store type of generated material. */
    public static final String TYPE = "PKCS12";
    /** The alias of the generated key and certificate. */
    public static final String ALIAS = "sipfleet";
    /** The subject of the generated certificate. */
    public static final String SUBJECT = "CN=sipfleet";
    /** The subject alternative names of the generated certificate. */
    public static final String SUBJECT_ALT_NAMES = "ip:127.0.0.1,ip:127.0.0.2,ip:127.0.0.3,ip:127.0.0.4,"
            + "ip:127.0.0.5,ip:127.0.0.6,ip:127.0.0.7,ip:127.0.0.8,ip:127.0.0.9,dns:localhost";
    /** TLS versions offered, best first. */
    public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");
    /** Cipher suites offered (those the running JDK supports), best first: forward secret, AEAD. */
    public static final List<String> CIPHER_SUITES = List.of(
            "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    private static TlsMaterial generated;

    private final Path keyStore;
    private final String keyStorePassword;
    private final String keyStoreType;
    private final Path trustStore;
    private final String trustStorePassword;
    private final String trustStoreType;

    private TlsMaterial(Path keyStore, String keyStorePassword, String keyStoreType, Path trustStore,
                        String trustStorePassword, String trustStoreType) {
        this.keyStore = keyStore.toAbsolutePath();
        this.keyStorePassword = keyStorePassword;
        this.keyStoreType = keyStoreType;
        this.trustStore = trustStore.toAbsolutePath();
        this.trustStorePassword = trustStorePassword;
        this.trustStoreType = trustStoreType;
    }

    /**
     * Existing stores. They are opened here once, so that a wrong path, password or type is reported
     * now (naming the file, never the password) rather than when the first TLS connection is made.
     *
     * @param type the store type of both ({@code PKCS12}, {@code JKS})
     * @throws IllegalArgumentException when a store cannot be opened with its password
     */
    public static TlsMaterial of(Path keyStore, String keyStorePassword, Path trustStore, String trustStorePassword,
                                 String type) {
        Objects.requireNonNull(keyStore, "keyStore");
        Objects.requireNonNull(trustStore, "trustStore");
        Objects.requireNonNull(keyStorePassword, "keyStorePassword");
        Objects.requireNonNull(trustStorePassword, "trustStorePassword");
        Objects.requireNonNull(type, "type");
        TlsMaterial m = new TlsMaterial(keyStore, keyStorePassword, type, trustStore, trustStorePassword, type);
        m.load(true);
        m.load(false);
        return m;
    }

    /**
     * The simulator's default material: generated on first use (a fraction of a second for
     * {@code keytool}), then the same for every stack of this JVM.
     *
     * @throws IllegalStateException when it cannot be generated (no keytool, no temporary directory)
     */
    public static synchronized TlsMaterial generated() {
        if (generated == null) {
            try {
                Path dir = privateTempDirectory();
                generated = generate(dir);
                for (Path p : List.of(dir, generated.keyStore, generated.trustStore)) {
                    p.toFile().deleteOnExit(); // deleted in reverse order: files, then the directory
                }
            } catch (IOException e) {
                throw new IllegalStateException("cannot create a directory for the TLS key store: " + e.getMessage(),
                        e);
            }
            LOG.log(System.Logger.Level.INFO, "generated TLS material for the SIP stacks: {0}", generated);
        }
        return generated;
    }

    /**
     * Generates a new key and self-signed certificate ({@link #SUBJECT}, {@link #SUBJECT_ALT_NAMES}) into
     * {@code dir}: {@code sipfleet-keystore.p12} and {@code sipfleet-truststore.p12}, random passwords.
     * Material generated twice does not trust each other: that is how tests make an untrusted server.
     */
    public static TlsMaterial generate(Path dir) {
        Path ks = dir.resolve("sipfleet-keystore.p12");
        Path ts = dir.resolve("sipfleet-truststore.p12");
        String ksPassword = randomPassword();
        String tsPassword = randomPassword();
        try {
            Files.createDirectories(dir);
            Files.deleteIfExists(ks);
            Files.deleteIfExists(ts);
            keytool(ksPassword, "-genkeypair", "-alias", ALIAS, "-keyalg", "RSA", "-keysize", "2048",
                    "-sigalg", "SHA256withRSA", "-validity", "3650", "-dname", SUBJECT,
                    "-ext", "SAN=" + SUBJECT_ALT_NAMES,
                    "-storetype", TYPE, "-keystore", ks.toString(),
                    "-storepass:env", PASSWORD_VARIABLE, "-keypass:env", PASSWORD_VARIABLE);
            // the trust store: the certificate alone (no need for a second keytool run)
            KeyStore keys = KeyStore.getInstance(TYPE);
            try (InputStream in = Files.newInputStream(ks)) {
                keys.load(in, ksPassword.toCharArray());
            }
            KeyStore trust = KeyStore.getInstance(TYPE);
            trust.load(null, null);
            trust.setCertificateEntry(ALIAS, keys.getCertificate(ALIAS));
            try (OutputStream out = Files.newOutputStream(ts)) {
                trust.store(out, tsPassword.toCharArray());
            }
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot generate TLS material in " + dir + ": " + e.getMessage(), e);
        }
        return new TlsMaterial(ks, ksPassword, TYPE, ts, tsPassword, TYPE);
    }

    private static final String PASSWORD_VARIABLE = "SIPFLEET_TLS_STOREPASS";

    private static void keytool(String password, String... args) throws IOException {
        String exe = System.getProperty("os.name", "").toLowerCase().startsWith("windows") ? "keytool.exe" : "keytool";
        Path keytool = Path.of(System.getProperty("java.home"), "bin", exe);
        if (!Files.isExecutable(keytool)) {
            throw new IOException(keytool + " not found: give the key and trust stores instead (TlsMaterial.of)");
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(keytool.toString());
        cmd.addAll(Arrays.asList(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put(PASSWORD_VARIABLE, password);
        Process p = pb.start();
        p.getOutputStream().close();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("keytool did not finish within 60 s");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while keytool ran");
        }
        if (p.exitValue() != 0) {
            // keytool never echoes a password it read from the environment
            throw new IOException("keytool " + args[0] + " exited " + p.exitValue() + ": " + output.strip());
        }
    }

    private static Path privateTempDirectory() throws IOException {
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            return Files.createTempDirectory("sipfleet-tls-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        return Files.createTempDirectory("sipfleet-tls-");
    }

    private static String randomPassword() {
        byte[] b = new byte[18];
        new SecureRandom().nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    // ---- accessors (no password getters: the stacks get them through stackProperties) ----------

    public Path keyStore() {
        return keyStore;
    }

    public Path trustStore() {
        return trustStore;
    }

    public String keyStoreType() {
        return keyStoreType;
    }

    public String trustStoreType() {
        return trustStoreType;
    }

    /** The certificate of the key store's first key entry (the one the stacks present). */
    public X509Certificate certificate() {
        try {
            KeyStore ks = load(true);
            for (String alias : java.util.Collections.list(ks.aliases())) {
                if (ks.isKeyEntry(alias) && ks.getCertificate(alias) instanceof X509Certificate c) {
                    return c;
                }
            }
            throw new IllegalStateException("no key entry with an X.509 certificate in " + keyStore);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Writes the key store's first key entry (the one the stacks present) as PEM, for a server that reads
     * no PKCS12 (e.g. Kamailio's tls module): its certificate ({@code -----BEGIN CERTIFICATE-----}) and its
     * private key, unencrypted PKCS#8 ({@code -----BEGIN PRIVATE KEY-----}). Both files are created anew,
     * owner read/write only (0600) where the file system is POSIX. Nothing of the key is logged.
     */
    public void writePem(Path certificateFile, Path privateKeyFile) {
        try {
            KeyStore ks = load(true);
            for (String alias : java.util.Collections.list(ks.aliases())) {
                if (ks.isKeyEntry(alias) && ks.getCertificate(alias) instanceof X509Certificate c) {
                    java.security.Key key = ks.getKey(alias, keyStorePassword.toCharArray());
                    byte[] pkcs8 = key.getEncoded();
                    if (!"PKCS#8".equals(key.getFormat()) || pkcs8 == null) {
                        throw new IllegalStateException("the key of " + keyStore + " has no PKCS#8 encoding");
                    }
                    writePrivate(certificateFile, pem("CERTIFICATE", c.getEncoded()));
                    writePrivate(privateKeyFile, pem("PRIVATE KEY", pkcs8));
                    java.util.Arrays.fill(pkcs8, (byte) 0);
                    return;
                }
            }
            throw new IllegalStateException("no key entry with an X.509 certificate in " + keyStore);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot read the key of " + keyStore + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot write PEM files " + certificateFile + ", " + privateKeyFile, e);
        }
    }

    private static byte[] pem(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return ("-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    private static void writePrivate(Path file, byte[] content) throws IOException {
        Files.deleteIfExists(file);
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } else {
            Files.createFile(file);
        }
        Files.write(file, content);
    }

    /**
     * An SSL context with this material's key and trust (for tools and tests: a TLS client or server
     * that the stacks trust, or, with material generated apart, one they do not).
     */
    public SSLContext sslContext() {
        try {
            return context(load(true), keyStorePassword.toCharArray(), trustManagers(load(false)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("TLS context from " + this + ": " + e.getMessage(), e);
        }
    }

    /**
     * The JAIN-SIP stack properties for this material (see the class comment). They hold the passwords:
     * never log them.
     *
     * @param handshakeTimeoutMs bound on a TLS handshake ({@code SSL_HANDSHAKE_TIMEOUT}); a peer that
     *                           accepts the connection and never completes the handshake is cut then
     */
    Properties stackProperties(long handshakeTimeoutMs) {
        Properties p = new Properties();
        p.setProperty("javax.net.ssl.keyStore", keyStore.toString());
        p.setProperty("javax.net.ssl.keyStorePassword", keyStorePassword);
        p.setProperty("javax.net.ssl.keyStoreType", keyStoreType);
        p.setProperty("javax.net.ssl.trustStore", trustStore.toString());
        p.setProperty("javax.net.ssl.trustStorePassword", trustStorePassword);
        p.setProperty("javax.net.ssl.trustStoreType", trustStoreType);
        p.setProperty("gov.nist.javax.sip.TLS_CLIENT_AUTH_TYPE", "Disabled");
        p.setProperty("gov.nist.javax.sip.TLS_CLIENT_PROTOCOLS", String.join(",", supported(PROTOCOLS, true)));
        p.setProperty("gov.nist.javax.sip.ENABLED_CIPHER_SUITES", String.join(",", supported(CIPHER_SUITES, false)));
        p.setProperty("gov.nist.javax.sip.SSL_HANDSHAKE_TIMEOUT", Long.toString(Math.max(1, handshakeTimeoutMs)));
        return p;
    }

    private static List<String> supported(List<String> wanted, boolean protocols) {
        try {
            SSLParameters s = SSLContext.getDefault().getSupportedSSLParameters();
            Set<String> have = Set.of(protocols ? s.getProtocols() : s.getCipherSuites());
            List<String> out = wanted.stream().filter(have::contains).toList();
            return out.isEmpty() ? wanted : out;
        } catch (GeneralSecurityException e) {
            return wanted;
        }
    }

    private KeyStore load(boolean keys) {
        Path file = keys ? keyStore : trustStore;
        try {
            return loadStore(file.toString(), keys ? keyStoreType : trustStoreType,
                    (keys ? keyStorePassword : trustStorePassword).toCharArray());
        } catch (IOException | GeneralSecurityException e) {
            // the message of a wrong password names no password ("keystore password was incorrect")
            throw new IllegalArgumentException("cannot open TLS " + (keys ? "key" : "trust") + " store " + file + " ("
                    + (keys ? keyStoreType : trustStoreType) + "): " + e.getMessage(), e);
        }
    }

    private static KeyStore loadStore(String file, String type, char[] password)
            throws IOException, GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance(type == null ? KeyStore.getDefaultType() : type);
        try (InputStream in = Files.newInputStream(Path.of(file))) {
            ks.load(in, password);
        }
        return ks;
    }

    private static TrustManager[] trustManagers(KeyStore trust) throws GeneralSecurityException {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        return tmf.getTrustManagers();
    }

    private static SSLContext context(KeyStore keys, char[] keyPassword, TrustManager[] trust)
            throws GeneralSecurityException {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, keyPassword);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), trust, new SecureRandom());
        return ctx;
    }

    /** Names the files and the type; never the passwords. */
    @Override
    public String toString() {
        return "TlsMaterial[keyStore=" + keyStore + ", trustStore=" + trustStore + ", type=" + keyStoreType + "]";
    }

    // ---- the stacks' network layer ------------------------------------------------------------

    /**
     * JAIN-SIP's network layer for a stack with TLS: plain sockets from {@link NoDelayNetworkLayer},
     * SSL sockets from a context built of the stack's own {@code javax.net.ssl.*} properties (with
     * {@code TLS_CLIENT_AUTH_TYPE=DisabledAll} it trusts every certificate, as JAIN-SIP's own SSL layer
     * does), TCP_NODELAY on every one of them, made or accepted, and a TLS connect bounded by
     * {@code gov.nist.javax.sip.CONNECTION_TIMEOUT} (JAIN-SIP's own layer waits a hard-coded 8 s).
     *
     * <p>It also remembers how far the latest TLS connection to each address got. The stack reports a
     * TLS failure other than {@code SSLHandshakeException} (garbage instead of a ServerHello, a reset
     * in the middle of the handshake) as "Could not connect to", like a refused connect, or as "Socket
     * is closed", with no cause: {@link #lastTlsConnect} tells them apart.
     * Loaded by name through {@code gov.nist.javax.sip.NETWORK_LAYER}.
     */
    public static final class NoDelayTlsNetworkLayer implements NetworkLayer {
        /** How far a TLS connection got. */
        public enum Stage {
            /** The TCP connect failed ({@link Attempt#failure()} says how). */
            CONNECT_FAILED,
            /** Connected; no handshake completed (yet). */
            CONNECTED,
            /** The handshake completed (reported by the JDK on a thread of its own, so a moment late). */
            HANDSHAKE_DONE
        }

        /** The latest TLS connection attempt to an address. */
        public record Attempt(Stage stage, IOException failure, long atNanos) {}

        private final NoDelayNetworkLayer plain = new NoDelayNetworkLayer();
        private final Map<String, Attempt> lastConnect = new ConcurrentHashMap<>();
        private volatile SSLContext context;
        private volatile int connectTimeoutMs = 8_000;

        public NoDelayTlsNetworkLayer() {
        }

        @Override
        public void setSipStack(SipStackImpl stack) {
            plain.setSipStack(stack);
            Properties p = stack.getConfigurationProperties();
            String ks = p.getProperty("javax.net.ssl.keyStore");
            if (ks == null) {
                throw new IllegalStateException(getClass().getName() + " needs javax.net.ssl.keyStore");
            }
            String ts = p.getProperty("javax.net.ssl.trustStore", ks);
            String ksPassword = p.getProperty("javax.net.ssl.keyStorePassword", "");
            String tsPassword = p.getProperty("javax.net.ssl.trustStorePassword", ksPassword);
            String ksType = p.getProperty("javax.net.ssl.keyStoreType", KeyStore.getDefaultType());
            String tsType = p.getProperty("javax.net.ssl.trustStoreType", ksType);
            try {
                TrustManager[] trust = stack.getClientAuth() == ClientAuthType.DisabledAll
                        ? new TrustManager[] {TRUST_ALL}
                        : trustManagers(loadStore(ts, tsType, tsPassword.toCharArray()));
                context = TlsMaterial.context(loadStore(ks, ksType, ksPassword.toCharArray()),
                        ksPassword.toCharArray(), trust);
            } catch (IOException | GeneralSecurityException e) {
                throw new IllegalStateException("TLS for stack " + stack.getStackName() + " from " + ks + " / " + ts
                        + ": " + e.getMessage(), e);
            }
            try {
                connectTimeoutMs = (int) Math.min(Integer.MAX_VALUE,
                        Long.parseLong(p.getProperty("gov.nist.javax.sip.CONNECTION_TIMEOUT", "8000")));
            } catch (NumberFormatException e) {
                connectTimeoutMs = 8_000;
            }
        }

        /** The latest TLS connection attempt to {@code address:port}, if any. */
        public Optional<Attempt> lastTlsConnect(InetAddress address, int port) {
            return Optional.ofNullable(lastConnect.get(key(address, port)));
        }

        private static String key(InetAddress address, int port) {
            return address.getHostAddress() + ":" + port;
        }

        private SSLContext sslContext() throws IOException {
            SSLContext c = context;
            if (c == null) {
                throw new IOException("TLS is not set up on this stack");
            }
            return c;
        }

        @Override
        public SSLServerSocket createSSLServerSocket(int port, int backlog, InetAddress bindAddress)
                throws IOException {
            return new NoDelaySslServerSocket((SSLServerSocket) sslContext().getServerSocketFactory()
                    .createServerSocket(port, backlog, bindAddress), plain.stackName());
        }

        @Override
        public SSLSocket createSSLSocket(InetAddress address, int port) throws IOException {
            return createSSLSocket(address, port, null);
        }

        @Override
        public SSLSocket createSSLSocket(InetAddress address, int port, InetAddress myAddress) throws IOException {
            String key = key(address, port);
            try {
                plain.beforeTlsConnect(address, port); // a fault may refuse or time the connect out
            } catch (IOException e) {
                lastConnect.put(key, new Attempt(Stage.CONNECT_FAILED, e, System.nanoTime()));
                throw e;
            }
            SSLSocket s = (SSLSocket) sslContext().getSocketFactory().createSocket();
            try {
                s.setTcpNoDelay(true); // before the connect: a peer that resets at once makes it fail after
                if (myAddress != null) {
                    s.bind(new InetSocketAddress(myAddress, 0));
                }
                s.connect(new InetSocketAddress(address, port), connectTimeoutMs);
            } catch (IOException e) {
                lastConnect.put(key, new Attempt(Stage.CONNECT_FAILED, e, System.nanoTime()));
                try {
                    s.close();
                } catch (IOException ignored) {
                    // nothing to release
                }
                throw e;
            }
            Attempt connected = new Attempt(Stage.CONNECTED, null, System.nanoTime());
            lastConnect.put(key, connected);
            s.addHandshakeCompletedListener(e -> lastConnect.replace(key, connected,
                    new Attempt(Stage.HANDSHAKE_DONE, null, connected.atNanos())));
            PacketFaults faults = plain.faults();
            return new FaultingSslSocket(s, faults, plain.stackName()); // faults (if any) on the plaintext messages
        }

        @Override
        public ServerSocket createServerSocket(int port, int backlog, InetAddress bindAddress) throws IOException {
            return plain.createServerSocket(port, backlog, bindAddress);
        }

        @Override
        public Socket createSocket(InetAddress address, int port) throws IOException {
            return plain.createSocket(address, port);
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress myAddress) throws IOException {
            return plain.createSocket(address, port, myAddress);
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress myAddress, int myPort)
                throws IOException {
            return plain.createSocket(address, port, myAddress, myPort);
        }

        @Override
        public DatagramSocket createDatagramSocket() throws SocketException {
            return plain.createDatagramSocket();
        }

        @Override
        public DatagramSocket createDatagramSocket(int port, InetAddress laddr) throws SocketException {
            return plain.createDatagramSocket(port, laddr);
        }
    }

    private static final X509TrustManager TRUST_ALL = new X509TrustManager() {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    };

    /**
     * An SSL server socket whose accepted sockets have TCP_NODELAY and count the messages the stack gives
     * them up on ({@link FaultingSslSocket} without faults): the JDK's SSL server socket cannot be
     * subclassed, so this one delegates every call to it.
     */
    static final class NoDelaySslServerSocket extends SSLServerSocket {
        private final SSLServerSocket d;
        private final String stackName;

        /** @param stackName whose {@link CountingParserFactory.Sink} counts what the stack gives a connection up on */
        NoDelaySslServerSocket(SSLServerSocket delegate, String stackName) throws IOException {
            this.d = delegate;
            this.stackName = stackName;
        }

        @Override
        public Socket accept() throws IOException {
            Socket s = d.accept();
            try {
                s.setTcpNoDelay(true);
            } catch (SocketException e) {
                // the peer is gone already: the channel finds out
            }
            return s instanceof SSLSocket ssl ? new FaultingSslSocket(ssl, null, stackName) : s;
        }

        @Override public void bind(SocketAddress endpoint) throws IOException { d.bind(endpoint); }
        @Override public void bind(SocketAddress at, int backlog) throws IOException { d.bind(at, backlog); }
        @Override public InetAddress getInetAddress() { return d.getInetAddress(); }
        @Override public int getLocalPort() { return d.getLocalPort(); }
        @Override public SocketAddress getLocalSocketAddress() { return d.getLocalSocketAddress(); }
        @Override public void close() throws IOException { d.close(); }
        @Override public boolean isBound() { return d.isBound(); }
        @Override public boolean isClosed() { return d.isClosed(); }
        @Override public void setSoTimeout(int timeout) throws SocketException { d.setSoTimeout(timeout); }
        @Override public int getSoTimeout() throws IOException { return d.getSoTimeout(); }
        @Override public void setReuseAddress(boolean on) throws SocketException { d.setReuseAddress(on); }
        @Override public boolean getReuseAddress() throws SocketException { return d.getReuseAddress(); }
        @Override public void setReceiveBufferSize(int size) throws SocketException { d.setReceiveBufferSize(size); }
        @Override public int getReceiveBufferSize() throws SocketException { return d.getReceiveBufferSize(); }
        @Override public String toString() { return d.toString(); }
        @Override public String[] getEnabledCipherSuites() { return d.getEnabledCipherSuites(); }
        @Override public void setEnabledCipherSuites(String[] suites) { d.setEnabledCipherSuites(suites); }
        @Override public String[] getSupportedCipherSuites() { return d.getSupportedCipherSuites(); }
        @Override public String[] getSupportedProtocols() { return d.getSupportedProtocols(); }
        @Override public String[] getEnabledProtocols() { return d.getEnabledProtocols(); }
        @Override public void setEnabledProtocols(String[] protocols) { d.setEnabledProtocols(protocols); }
        @Override public void setNeedClientAuth(boolean need) { d.setNeedClientAuth(need); }
        @Override public boolean getNeedClientAuth() { return d.getNeedClientAuth(); }
        @Override public void setWantClientAuth(boolean want) { d.setWantClientAuth(want); }
        @Override public boolean getWantClientAuth() { return d.getWantClientAuth(); }
        @Override public void setUseClientMode(boolean mode) { d.setUseClientMode(mode); }
        @Override public boolean getUseClientMode() { return d.getUseClientMode(); }
        @Override public void setEnableSessionCreation(boolean flag) { d.setEnableSessionCreation(flag); }
        @Override public boolean getEnableSessionCreation() { return d.getEnableSessionCreation(); }
        @Override public SSLParameters getSSLParameters() { return d.getSSLParameters(); }
        @Override public <T> ServerSocket setOption(SocketOption<T> name, T value) throws IOException {
            d.setOption(name, value);
            return this;
        }
        @Override public <T> T getOption(SocketOption<T> name) throws IOException { return d.getOption(name); }
        @Override public Set<SocketOption<?>> supportedOptions() { return d.supportedOptions(); }
        @Override public void setSSLParameters(SSLParameters params) { d.setSSLParameters(params); }
    }

}
