package dev.millwright.config;

import dev.millwright.config.spec.ConfigError;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An environment's values over a plant folder ({@code environments/NAME.yaml}): keyed by the plant file they change,
 * each value the part of that file it replaces — mappings merge key by key, anything else is replaced whole.
 * <pre>
 * systems/erp.yaml:
 *   outbound: { http: { baseUrl: https://sap.plant-a.example.com/sap/opu/odata/sap, rateLimit: 50 } }
 * millwright.yaml:
 *   http: { port: 8443 }
 * </pre>
 * A value from the overlay that is wrong is reported at its line in the overlay file.
 */
final class Overlay {
    static final Overlay NONE = new Overlay(null, Map.of());

    private final String display;
    private final Map<String, MappingNode> byFile;
    private final Set<Node> own = Collections.newSetFromMap(new IdentityHashMap<>());

    private Overlay(String display, Map<String, MappingNode> byFile) {
        this.display = display;
        this.byFile = byFile;
        byFile.values().forEach(this::collect);
    }

    /** The environment's overlay, or NONE when {@code name} is null; problems are added to {@code errors}. */
    static Overlay load(Path dir, String name, List<ConfigError> errors) {
        if (name == null) return NONE;
        String display = "environments/" + name + ".yaml";
        Path file = dir.resolve(display);
        if (!Files.isRegularFile(file)) {
            errors.add(new ConfigError(display, 1, "", "no such environment: the plant folder has no " + display));
            return NONE;
        }
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        Node root;
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            root = new Yaml(options).compose(reader);
        } catch (MarkedYAMLException e) {
            errors.add(new ConfigError(display, e.getProblemMark() == null ? 1 : e.getProblemMark().getLine() + 1, "", "not valid YAML: " + e.getProblem()));
            return NONE;
        } catch (IOException | RuntimeException e) {
            errors.add(new ConfigError(display, 1, "", "cannot be read: " + e.getMessage()));
            return NONE;
        }
        Map<String, MappingNode> byFile = new LinkedHashMap<>();
        if (root == null) return new Overlay(display, byFile);
        if (!(root instanceof MappingNode mapping)) {
            errors.add(new ConfigError(display, root.getStartMark().getLine() + 1, "", "must map plant files (systems/erp.yaml, millwright.yaml) to the values they change"));
            return NONE;
        }
        for (NodeTuple t : mapping.getValue()) {
            String key = t.getKeyNode() instanceof ScalarNode s ? s.getValue() : "";
            int line = t.getKeyNode().getStartMark().getLine() + 1;
            if (!key.endsWith(".yaml") || key.startsWith("environments/") || !Files.isRegularFile(dir.resolve(key))) {
                errors.add(new ConfigError(display, line, key, "no such file in the plant folder (a key names a plant file, e.g. systems/erp.yaml)"));
            } else if (!(t.getValueNode() instanceof MappingNode values)) {
                errors.add(new ConfigError(display, line, key, "must be the part of the file to change, as a mapping"));
            } else {
                byFile.put(key, values);
            }
        }
        return new Overlay(display, byFile);
    }

    private void collect(Node n) {
        own.add(n);
        if (n instanceof MappingNode m) m.getValue().forEach(t -> {
            collect(t.getKeyNode());
            collect(t.getValueNode());
        });
        if (n instanceof SequenceNode s) s.getValue().forEach(this::collect);
    }

    /** The file's tree with this environment's values for it merged in. */
    Node apply(String relativeFile, Node root) {
        MappingNode values = byFile.get(relativeFile);
        return values == null || root == null ? root : merge(root, values);
    }

    private static Node merge(Node base, Node over) {
        if (!(base instanceof MappingNode b) || !(over instanceof MappingNode o)) return over;
        List<NodeTuple> out = new ArrayList<>(b.getValue());
        for (NodeTuple t : o.getValue()) {
            String key = ((ScalarNode) t.getKeyNode()).getValue();
            int at = -1;
            for (int i = 0; i < out.size(); i++) {
                if (out.get(i).getKeyNode() instanceof ScalarNode k && k.getValue().equals(key)) at = i;
            }
            if (at < 0) out.add(t);
            else out.set(at, new NodeTuple(out.get(at).getKeyNode(), merge(out.get(at).getValueNode(), t.getValueNode())));
        }
        return new MappingNode(b.getTag(), out, b.getFlowStyle());
    }

    /** Where a problem with this node is to be reported: the overlay file for its values, else the plant file. */
    String fileOf(Node node, String plantFile) {
        return node != null && own.contains(node) ? display : plantFile;
    }
}
