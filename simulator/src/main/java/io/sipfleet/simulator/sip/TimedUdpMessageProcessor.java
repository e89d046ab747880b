package io.sipfleet.simulator.sip;

import gov.nist.javax.sip.stack.SIPTransactionStack;
import gov.nist.javax.sip.stack.UDPMessageProcessor;
import java.io.IOException;
import java.net.InetAddress;

/** JAIN-SIP's UDP message processor with a {@link ReceptionQueue} instead of its plain one. */
final class TimedUdpMessageProcessor extends UDPMessageProcessor {
    /** About two seconds of a 100,000-phone failover storm's answers; a few hundred bytes each. */
    private final ReceptionQueue queue = new ReceptionQueue(20_000);

    TimedUdpMessageProcessor(InetAddress address, SIPTransactionStack stack, int port) throws IOException {
        super(address, stack, port);
        this.messageQueue = queue; // before start(): no stack thread has seen the old one
    }

    ReceptionQueue receptionQueue() {
        return queue;
    }
}
