package io.sipfleet.simulator.scenario;

import java.util.List;

/**
 * A scenario file was refused: every problem found, each with the field path, the line and the column. Nothing of
 * the scenario has started. {@link #getMessage()} lists them one a line, e.g.
 * {@code steps[2].expect.within: "7,5s" is not a duration (a number and a unit: 500ms, 7.5s, 2m, 1h, 15T1) (line 14, column 15)}.
 */
public final class ScenarioException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Problems reported at most; the rest are counted. */
    public static final int MAX_PROBLEMS = 100;

    private final String source;
    private final transient List<Problem> problems;

    public ScenarioException(String source, List<Problem> problems) {
        super(message(source, problems));
        this.source = source;
        this.problems = List.copyOf(problems);
    }

    /** The file's name as given to the parser (may be null). */
    public String source() {
        return source;
    }

    /** In the order of the file (by line, then column). */
    public List<Problem> problems() {
        return problems;
    }

    /**
     * One problem.
     *
     * @param path    the field, e.g. {@code steps[2].expect.within} ({@code ""}: the document itself); indexes from 0
     * @param line    from 1; 0 when unknown
     * @param column  from 1; 0 when unknown
     */
    public record Problem(String path, String message, int line, int column) {
        @Override
        public String toString() {
            String where = line > 0 ? " (line " + line + ", column " + column + ")" : "";
            return (path == null || path.isEmpty() ? "" : path + ": ") + message + where;
        }
    }

    private static String message(String source, List<Problem> problems) {
        StringBuilder sb = new StringBuilder();
        sb.append(source == null ? "the scenario" : source).append(" is not a valid scenario (")
                .append(problems.size()).append(problems.size() == 1 ? " problem" : " problems").append("):");
        for (Problem p : problems) {
            sb.append("\n  ").append(p);
        }
        return sb.toString();
    }
}
