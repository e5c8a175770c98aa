package dev.millwright.console;

/** Reading the console's query and form fields: what every page's filters and ids share. */
final class Form {
    private Form() {
    }

    /** A field as a filter: blank is no filter (null), anything else without surrounding spaces. */
    static String blank(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    /** A number field (an id, a paging position); blank is 0. */
    static long number(String s) {
        try {
            return s == null || s.isBlank() ? 0 : Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw ConsoleException.badRequest("'" + Views.excerpt(s, 40) + "' is not a number");
        }
    }
}
