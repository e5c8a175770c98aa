package dev.millwright.config;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The checked-in configuration reference is what the specs generate today. */
class ReferenceDocsTest {
    @Test
    void generatedDocsAreCurrent() throws Exception {
        for (Map.Entry<String, String> file : ReferenceDocs.generate().entrySet()) {
            Path path = Path.of("docs").resolve(file.getKey());
            assertThat(path).as("%s is missing: run ./millwright docs", path).exists();
            assertThat(Files.readString(path)).as("%s is stale: run ./millwright docs", path).isEqualTo(file.getValue());
        }
    }
}
