package io.sipfleet.simulator.trace;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * A phone's trace as a classic libpcap file (microsecond timestamps, {@code LINKTYPE_RAW} = 101: each
 * packet starts with its IP header) that Wireshark, tshark and sngrep open. Each message becomes one
 * packet with synthesized IPv4 (or IPv6) and UDP or TCP headers between the phones' stack and the server,
 * as the message's transport says; a TLS message is shown in clear as TCP on its ports. IPv4 header
 * checksums are right; UDP and TCP checksums are 0 (not computed, which IPv4 UDP allows and Wireshark
 * does not check by default). TCP sequence numbers run on per direction, so a message that spans
 * segments on the real wire is one segment here.
 */
public final class Pcap {
    /** libpcap's magic for microsecond timestamps. */
    static final int MAGIC = 0xa1b2c3d4;
    static final int LINKTYPE_RAW = 101;
    private static final int SNAPLEN = 262_144;

    private Pcap() {}

    public static byte[] of(PhoneSipTrace trace) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer h = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(MAGIC).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(SNAPLEN).putInt(LINKTYPE_RAW);
        out.writeBytes(h.array());
        Map<String, long[]> seq = new HashMap<>();
        int id = 1;
        for (TracedMessage m : trace.messages()) {
            byte[] payload = m.text().getBytes(StandardCharsets.UTF_8);
            Endpoint local = Endpoint.parse(m.local());
            Endpoint peer = Endpoint.parse(m.peer());
            if (local == null || peer == null || local.address.length != peer.address.length) {
                continue;
            }
            Endpoint src = m.sent() ? local : peer;
            Endpoint dst = m.sent() ? peer : local;
            boolean udp = "UDP".equals(m.transport());
            byte[] l4;
            if (udp) {
                l4 = udp(src.port, dst.port, payload);
            } else {
                String flow = src + ">" + dst;
                long[] s = seq.computeIfAbsent(flow, k -> new long[] {1});
                long[] ack = seq.computeIfAbsent(dst + ">" + src, k -> new long[] {1});
                l4 = tcp(src.port, dst.port, s[0], ack[0], payload);
                s[0] += payload.length;
            }
            byte[] packet = src.address.length == 4 ? ipv4(src.address, dst.address, udp ? 17 : 6, id++, l4)
                    : ipv6(src.address, dst.address, udp ? 17 : 6, l4);
            ByteBuffer r = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
            r.putInt((int) (m.atMicros() / 1_000_000)).putInt((int) (m.atMicros() % 1_000_000))
                    .putInt(packet.length).putInt(packet.length);
            out.writeBytes(r.array());
            out.writeBytes(packet);
        }
        return out.toByteArray();
    }

    private static byte[] udp(int src, int dst, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(8 + payload.length);
        b.putShort((short) src).putShort((short) dst).putShort((short) (8 + payload.length)).putShort((short) 0)
                .put(payload);
        return b.array();
    }

    private static byte[] tcp(int src, int dst, long seq, long ack, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(20 + payload.length);
        b.putShort((short) src).putShort((short) dst).putInt((int) seq).putInt((int) ack)
                .put((byte) (5 << 4)) // data offset: 5 words
                .put((byte) 0x18) // PSH, ACK
                .putShort((short) 65535).putShort((short) 0).putShort((short) 0).put(payload);
        return b.array();
    }

    private static byte[] ipv4(byte[] src, byte[] dst, int protocol, int id, byte[] l4) {
        int length = 20 + l4.length;
        ByteBuffer b = ByteBuffer.allocate(length);
        b.put((byte) 0x45).put((byte) 0).putShort((short) Math.min(length, 65535)).putShort((short) id)
                .putShort((short) 0x4000) // don't fragment
                .put((byte) 64).put((byte) protocol).putShort((short) 0).put(src).put(dst);
        byte[] a = b.array();
        int sum = 0;
        for (int i = 0; i < 20; i += 2) {
            sum += ((a[i] & 0xff) << 8) | (a[i + 1] & 0xff);
        }
        while ((sum >> 16) != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        int checksum = ~sum & 0xffff;
        a[10] = (byte) (checksum >> 8);
        a[11] = (byte) checksum;
        System.arraycopy(l4, 0, a, 20, l4.length);
        return a;
    }

    private static byte[] ipv6(byte[] src, byte[] dst, int protocol, byte[] l4) {
        ByteBuffer b = ByteBuffer.allocate(40 + l4.length);
        b.putInt(0x60000000).putShort((short) l4.length).put((byte) protocol).put((byte) 64).put(src).put(dst).put(l4);
        return b.array();
    }

    /** An {@code ip:port} (IPv6 in brackets) as bytes and a port. */
    private record Endpoint(byte[] address, int port, String text) {
        static Endpoint parse(String hostPort) {
            if (hostPort == null) {
                return null;
            }
            int colon = hostPort.lastIndexOf(':');
            if (colon <= 0) {
                return null;
            }
            String host = hostPort.substring(0, colon).replace("[", "").replace("]", "");
            try {
                int port = Integer.parseInt(hostPort.substring(colon + 1));
                // an address literal: no lookup
                return new Endpoint(InetAddress.getByName(host).getAddress(), port, hostPort);
            } catch (NumberFormatException | UnknownHostException e) {
                return null;
            }
        }

        @Override
        public String toString() {
            return text;
        }
    }
}
