package io.sagacoord.server.internal.security;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;

/**
 * The one shape of every error the coordinator answers: an RFC 9457 problem whose {@code type} is
 * {@value #TYPE_BASE} followed by its title in kebab case (a title names one kind of problem and
 * never changes), and whose {@code detail} is a sentence of ours, at most {@value #MAX_DETAIL}
 * characters. {@link #write} serves the servlet filters, where no message converter is at hand (the
 * security filters answer 401, 403, 413 and 429 before Spring MVC runs); {@link #of} the handlers
 * inside Spring MVC.
 */
public final class Problems {

  public static final String TYPE_BASE = "https://sagacoord.io/problems/";
  static final int MAX_DETAIL = 500;
  static final int MAX_INSTANCE = 120;

  private Problems() {}

  /** The type URI of the problems with this title. */
  public static URI type(String title) {
    String slug =
        title.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-|-$", "");
    return URI.create(TYPE_BASE + slug);
  }

  /** The title of a problem that has no more specific one: the status in words. */
  public static String title(int status) {
    return switch (status) {
      case 400 -> "Bad request";
      case 401 -> "Unauthorized";
      case 403 -> "Forbidden";
      case 404 -> "Not found";
      case 405 -> "Method not allowed";
      case 406 -> "Not acceptable";
      case 409 -> "Conflict";
      case 413 -> "Payload too large";
      case 415 -> "Unsupported media type";
      case 429 -> "Too many requests";
      case 500 -> "Internal error";
      case 503 -> "Service unavailable";
      default -> {
        HttpStatus known = HttpStatus.resolve(status);
        yield known == null ? "Error " + status : known.getReasonPhrase();
      }
    };
  }

  /** A problem with its type derived from the title and the detail cut to its maximum length. */
  public static ProblemDetail of(HttpStatusCode status, String title, String detail) {
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, cut(detail));
    problem.setTitle(title);
    problem.setType(type(title));
    if (RequestContextHolder.getRequestAttributes() instanceof ServletRequestAttributes current) {
      try {
        problem.setInstance(URI.create(instance(current.getRequest().getRequestURI())));
      } catch (IllegalArgumentException e) {
        // a path cut inside an escape is no URI: leave instance out
      }
    }
    return problem;
  }

  /** The request path as a problem's instance: cut like any echoed input, when it is long. */
  public static String instance(String path) {
    return path.length() > MAX_INSTANCE ? path.substring(0, MAX_INSTANCE) + "..." : path;
  }

  public static void write(
      HttpServletResponse response, int status, String title, String detail, String instance)
      throws IOException {
    if (response.isCommitted()) {
      return;
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("type", type(title).toString());
    body.put("title", title);
    body.put("status", status);
    body.put("detail", cut(detail));
    body.put("instance", instance(instance));
    response.setStatus(status);
    response.setContentType("application/problem+json");
    response.setCharacterEncoding(StandardCharsets.UTF_8.name());
    response.getWriter().write(json(body));
    response.getWriter().flush();
  }

  private static String cut(String detail) {
    if (detail == null || detail.isBlank()) {
      return "no further detail";
    }
    return detail.length() > MAX_DETAIL ? detail.substring(0, MAX_DETAIL) + "..." : detail;
  }

  private static String json(Map<String, Object> body) {
    StringBuilder sb = new StringBuilder("{");
    boolean first = true;
    for (Map.Entry<String, Object> e : body.entrySet()) {
      if (!first) {
        sb.append(',');
      }
      first = false;
      sb.append('"').append(e.getKey()).append("\":");
      Object v = e.getValue();
      if (v instanceof Number) {
        sb.append(v);
      } else {
        sb.append('"').append(escape(String.valueOf(v))).append('"');
      }
    }
    return sb.append('}').toString();
  }

  private static String escape(String s) {
    StringBuilder sb = new StringBuilder();
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.toString();
  }
}
