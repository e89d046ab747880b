package io.sipfleet.device;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A key of the hardware keypad (behaviour.md §11): 0-9, *, #, SEND (alias OK), CANCEL, SPEAKER,
 * LINE1..LINEn, REDIAL.
 *
 * @param kind  what kind of key
 * @param digit for {@link Kind#DIGIT}: '0'..'9', '*' or '#'
 * @param line  for {@link Kind#LINE}: the line number
 */
public record Key(Kind kind, char digit, int line) {
    public enum Kind { DIGIT, SEND, CANCEL, SPEAKER, LINE, REDIAL }

    public static final Key SEND = new Key(Kind.SEND, '\0', 0);
    public static final Key CANCEL = new Key(Kind.CANCEL, '\0', 0);
    public static final Key SPEAKER = new Key(Kind.SPEAKER, '\0', 0);
    public static final Key REDIAL = new Key(Kind.REDIAL, '\0', 0);

    public static Key digit(char c) {
        if (!(c >= '0' && c <= '9' || c == '*' || c == '#')) {
            throw new IllegalArgumentException("not a dial key: " + c);
        }
        return new Key(Kind.DIGIT, c, 0);
    }

    public static Key line(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("line keys start at LINE1");
        }
        return new Key(Kind.LINE, '\0', n);
    }

    /** The key's name as events and the APIs show it: {@code 5}, {@code #}, {@code SEND}, {@code LINE2}. */
    public String label() {
        return switch (kind) {
            case DIGIT -> Character.toString(digit);
            case LINE -> "LINE" + line;
            default -> kind.name();
        };
    }

    /**
     * One key by name: a single dial character or a key name (case-insensitive; OK is SEND).
     *
     * @throws InvalidInputException naming {@code field} when there is no such key
     */
    public static Key parse(String token, String field) {
        String t = token == null ? "" : token.trim().toUpperCase(Locale.ROOT);
        if (t.length() == 1 && "0123456789*#".indexOf(t.charAt(0)) >= 0) {
            return digit(t.charAt(0));
        }
        switch (t) {
            case "SEND", "OK": return SEND;
            case "CANCEL": return CANCEL;
            case "SPEAKER": return SPEAKER;
            case "REDIAL": return REDIAL;
            default: break;
        }
        if (t.startsWith("LINE") && t.length() > 4 && t.length() <= 6 && t.substring(4).chars().allMatch(Character::isDigit)) {
            int n = Integer.parseInt(t.substring(4));
            if (n >= 1) {
                return line(n);
            }
        }
        throw new InvalidInputException(field, "unknown key '" + (token == null ? "" : token)
                + "'; keys are 0-9, *, #, SEND (or OK), CANCEL, SPEAKER, LINE1..LINEn, REDIAL");
    }

    /** A dial string such as {@code 1001#}: each character is a key. */
    public static List<Key> parseDialString(String keys, String field) {
        if (keys == null || keys.isEmpty()) {
            throw new InvalidInputException(field, "no keys given");
        }
        List<Key> out = new ArrayList<>(keys.length());
        for (int i = 0; i < keys.length(); i++) {
            char c = keys.charAt(i);
            if ("0123456789*#".indexOf(c) < 0) {
                throw new InvalidInputException(field, "'" + c + "' at position " + (i + 1)
                        + " is not a dial key (0-9, * or #); send named keys such as SEND as a list");
            }
            out.add(digit(c));
        }
        return out;
    }

    /** A list of key names, e.g. ["1","0","SEND"]. */
    public static List<Key> parseAll(List<String> names, String field) {
        if (names == null || names.isEmpty()) {
            throw new InvalidInputException(field, "no keys given");
        }
        List<Key> out = new ArrayList<>(names.size());
        for (int i = 0; i < names.size(); i++) {
            out.add(parse(names.get(i), field + "[" + i + "]"));
        }
        return out;
    }

    @Override
    public String toString() {
        return label();
    }
}
