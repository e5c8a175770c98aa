package dev.millwright.security;

import java.util.ArrayList;
import java.util.List;

/**
 * The plants a principal may see and act on: exact plant names ({@code acme/plant-a}), a subtree ({@code acme/*})
 * or every plant ({@code *}). Objects outside it answer 404, so their existence does not leak.
 */
public record PlantScope(List<String> patterns) {
    public static final PlantScope ALL = new PlantScope(List.of("*"));

    public PlantScope {
        patterns = List.copyOf(patterns);
        if (patterns.isEmpty()) throw new IllegalArgumentException("a plant scope names at least one plant (or *)");
        for (String p : patterns) {
            String why = problem(p);
            if (why != null) throw new IllegalArgumentException(why);
        }
    }

    public static PlantScope of(List<String> patterns) {
        return new PlantScope(patterns);
    }

    /** Why a pattern is not one, or null. */
    public static String problem(String pattern) {
        if (pattern == null || pattern.isBlank()) return "a plant pattern must not be empty";
        if (pattern.equals("*")) return null;
        int star = pattern.indexOf('*');
        if (star >= 0 && (star != pattern.length() - 1 || !pattern.endsWith("/*") || pattern.length() < 3)) {
            return "plant pattern '" + pattern + "': '*' stands alone or ends a path (acme/*)";
        }
        return null;
    }

    public boolean all() {
        return patterns.contains("*");
    }

    public boolean allows(String plant) {
        if (all()) return true;
        if (plant == null) return false;
        for (String p : patterns) {
            if (p.endsWith("/*") ? plant.startsWith(p.substring(0, p.length() - 1)) : plant.equals(p)) return true;
        }
        return false;
    }

    /** The scope as SQL LIKE patterns (escape character '\'), or null for every plant: bound as {@code plant like any(?)}. */
    public String[] likePatterns() {
        if (all()) return null;
        List<String> out = new ArrayList<>();
        for (String p : patterns) {
            boolean subtree = p.endsWith("/*");
            String literal = (subtree ? p.substring(0, p.length() - 1) : p)
                    .replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
            out.add(subtree ? literal + "%" : literal);
        }
        return out.toArray(String[]::new);
    }

    @Override
    public String toString() {
        return String.join(",", patterns);
    }
}
