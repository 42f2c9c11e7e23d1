package io.sagacoord.bench.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/** Writes {@code result.json} and {@code result.md} into the output folder. */
final class ResultWriter {
  private ResultWriter() {}

  static void write(Path dir, Map<String, Object> result) {
    try {
      Files.createDirectories(dir);
      JsonMapper json = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
      Files.writeString(dir.resolve("result.json"), json.writeValueAsString(result) + "\n");
      Files.writeString(dir.resolve("result.md"), markdown(result));
    } catch (IOException e) {
      throw new BenchException("could not write the result into " + dir + ": " + e, e);
    }
  }

  @SuppressWarnings("unchecked")
  static String markdown(Map<String, Object> result) {
    StringBuilder md = new StringBuilder();
    md.append("# Benchmark result (mode ").append(result.get("mode")).append(")\n\n");
    md.append("| key | value |\n| --- | --- |\n");
    for (String key : BenchRunner.KEYS) {
      Object v = result.get(key);
      md.append("| `")
          .append(key)
          .append("` | ")
          .append(v == null ? "not measured" : v)
          .append(" |\n");
    }
    Object sat = result.get("saturation");
    if (sat instanceof Map<?, ?> s && s.get("steps") instanceof List<?> steps) {
      md.append("\n## Saturation steps\n\n");
      md.append(
          "| offered/s | completed/s | backlog start | backlog end | e2e p50 ms | e2e p99 ms | kept up |\n");
      md.append("| --- | --- | --- | --- | --- | --- | --- |\n");
      for (Object o : steps) {
        Map<String, Object> step = (Map<String, Object>) o;
        Map<String, Object> e2e = (Map<String, Object>) step.get("e2e_ms");
        md.append("| ")
            .append(step.get("offered_per_s"))
            .append(" | ")
            .append(step.get("completed_per_s"))
            .append(" | ")
            .append(step.get("backlog_at_window_start"))
            .append(" | ")
            .append(step.get("backlog_at_window_end"))
            .append(" | ")
            .append(e2e.get("p50"))
            .append(" | ")
            .append(e2e.get("p99"))
            .append(" | ")
            .append(step.get("kept_up"))
            .append(" |\n");
      }
    }
    md.append("\nFull detail in result.json.\n");
    return md.toString();
  }
}
