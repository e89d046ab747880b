package io.sipfleet.simulator.sip;

import gov.nist.javax.sip.stack.MessageProcessor;
import gov.nist.javax.sip.stack.MessageProcessorFactory;
import gov.nist.javax.sip.stack.OIOMessageProcessorFactory;
import gov.nist.javax.sip.stack.SIPTransactionStack;
import java.io.IOException;
import java.net.InetAddress;
import javax.sip.ListeningPoint;

/**
 * JAIN-SIP's classic (blocking) message processors, with UDP received through a {@link ReceptionQueue}
 * (stack property {@code gov.nist.javax.sip.MESSAGE_PROCESSOR_FACTORY}; loaded by name: public, no-argument
 * constructor).
 */
public final class TimedMessageProcessorFactory implements MessageProcessorFactory {
    /** The stack property that installs it. */
    public static final String PROPERTY = "gov.nist.javax.sip.MESSAGE_PROCESSOR_FACTORY";
    private static final java.lang.reflect.Field UDP_FLAG;

    static {
        try {
            UDP_FLAG = SIPTransactionStack.class.getDeclaredField("udpFlag");
            UDP_FLAG.setAccessible(true);
        } catch (NoSuchFieldException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final OIOMessageProcessorFactory classic = new OIOMessageProcessorFactory();

    @Override
    public MessageProcessor createMessageProcessor(SIPTransactionStack stack, InetAddress address, int port,
                                                   String transport) throws IOException {
        if (!ListeningPoint.UDP.equalsIgnoreCase(transport)) {
            return classic.createMessageProcessor(stack, address, port, transport);
        }
        TimedUdpMessageProcessor p = new TimedUdpMessageProcessor(address, stack, port);
        try {
            // as the classic factory does: UDP answers leave from the listening socket
            UDP_FLAG.setBoolean(stack, true);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
        return p;
    }

    /** The reception queue of a UDP listening point, if its processor was made here. */
    public static java.util.Optional<ReceptionQueue> receptionQueueOf(ListeningPoint point) {
        return point instanceof gov.nist.javax.sip.ListeningPointImpl l
                && l.getMessageProcessor() instanceof TimedUdpMessageProcessor t
                ? java.util.Optional.of(t.receptionQueue()) : java.util.Optional.empty();
    }
}
