package dev.millwright.cli;

import dev.millwright.config.ReferenceDocs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

/** Writes the generated configuration reference (CI checks it is current). */
@Command(name = "docs", description = "Regenerate docs/configuration.md, docs/schema/ and docs/contracts.md from the specs and the event catalog.")
final class DocsCommand implements Callable<Integer> {
    @Option(names = "--out", defaultValue = "docs", description = "Docs folder (default: ${DEFAULT-VALUE}).")
    Path out;

    @Override
    public Integer call() throws Exception {
        for (Map.Entry<String, String> file : ReferenceDocs.generate().entrySet()) {
            Path path = out.resolve(file.getKey());
            Files.createDirectories(path.getParent());
            Files.writeString(path, file.getValue());
            System.out.println("wrote " + path);
        }
        return 0;
    }
}
