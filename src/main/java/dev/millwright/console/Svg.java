package dev.millwright.console;

/** Charts drawn on the server as inline SVG: numbers only go in, so nothing here needs escaping. */
final class Svg {
    private Svg() {
    }

    /**
     * Bars, one per bucket, oldest first, scaled to the largest; the tallest value is printed so the scale can be read.
     *
     * @param label what a bar counts (its tooltip says "n label")
     */
    static String bars(long[] values, int width, int height, String label) {
        long max = 1;
        for (long v : values) max = Math.max(max, v);
        double w = (double) width / Math.max(1, values.length);
        StringBuilder b = new StringBuilder();
        b.append("<svg class=\"chart\" role=\"img\" viewBox=\"0 0 ").append(width).append(' ').append(height + 12)
                .append("\" width=\"").append(width).append("\" height=\"").append(height + 12).append("\" aria-label=\"")
                .append(label.replace("\"", "")).append(" per bucket, at most ").append(max).append("\">");
        b.append("<line x1=\"0\" y1=\"").append(height).append("\" x2=\"").append(width).append("\" y2=\"").append(height)
                .append("\" class=\"axis\"/>");
        for (int i = 0; i < values.length; i++) {
            if (values[i] == 0) continue;
            double h = Math.max(1, (double) values[i] / max * (height - 2));
            b.append(String.format(java.util.Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"><title>%d %s</title></rect>",
                    i * w, height - h, Math.max(1, w - 1), h, values[i], label.replace("<", "")));
        }
        b.append("<text x=\"0\" y=\"").append(height + 11).append("\">max ").append(max).append("</text></svg>");
        return b.toString();
    }
}
