package io.sagacoord.server.internal.console;

import java.time.Duration;
import java.util.Locale;

/** A small SVG writer: every text and attribute value it writes is XML-escaped. */
final class Svg {

  private final StringBuilder out = new StringBuilder();

  /** Opens the root element: {@code role="img"} named by its title and described by its desc. */
  Svg(String id, int width, int height, String title, String description) {
    out.append("<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"")
        .append(escape(id))
        .append("\" class=\"chart\" viewBox=\"0 0 ")
        .append(width)
        .append(' ')
        .append(height)
        .append("\" width=\"")
        .append(width)
        .append("\" height=\"")
        .append(height)
        .append("\" role=\"img\" aria-labelledby=\"")
        .append(escape(id))
        .append("-title ")
        .append(escape(id))
        .append("-desc\" font-family=\"sans-serif\" font-size=\"12\">");
    out.append("<title id=\"")
        .append(escape(id))
        .append("-title\">")
        .append(escape(title))
        .append("</title><desc id=\"")
        .append(escape(id))
        .append("-desc\">")
        .append(escape(description))
        .append("</desc>");
  }

  /** Opens a group; attributes come as name, value pairs. */
  Svg open(String element, String... attributes) {
    out.append('<').append(element);
    attributes(attributes);
    out.append('>');
    return this;
  }

  Svg close(String element) {
    out.append("</").append(element).append('>');
    return this;
  }

  /** An empty element, or one holding only a tooltip title when {@code tooltip} is not null. */
  Svg shape(String element, String tooltip, String... attributes) {
    out.append('<').append(element);
    attributes(attributes);
    if (tooltip == null) {
      out.append("/>");
    } else {
      out.append("><title>").append(escape(tooltip)).append("</title></").append(element);
      out.append('>');
    }
    return this;
  }

  Svg text(String text, String... attributes) {
    out.append("<text");
    attributes(attributes);
    out.append('>').append(escape(text)).append("</text>");
    return this;
  }

  String end() {
    return out.append("</svg>").toString();
  }

  private void attributes(String... attributes) {
    for (int i = 0; i + 1 < attributes.length; i += 2) {
      if (attributes[i + 1] != null) {
        out.append(' ')
            .append(attributes[i])
            .append("=\"")
            .append(escape(attributes[i + 1]))
            .append('"');
      }
    }
  }

  static String num(double value) {
    return String.format(Locale.ROOT, "%.1f", value);
  }

  static String escape(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '&' -> b.append("&amp;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> {
          // characters XML 1.0 cannot hold are left out
          if (c >= 0x20 || c == '\n' || c == '\t' || c == '\r') {
            b.append(c);
          }
        }
      }
    }
    return b.toString();
  }

  /** At most {@code max} characters, with an ellipsis when cut. */
  static String fit(String s, int max) {
    if (s == null) {
      return "";
    }
    return s.length() <= max ? s : s.substring(0, Math.max(0, max - 1)) + "\u2026";
  }

  /** A duration as people read it: 850 ms, 2.4 s, 5 s, 3 min 5 s, 1 min, 2 h 10 min. */
  static String human(Duration d) {
    long ms = d.toMillis();
    if (ms < 1000) {
      return ms + " ms";
    }
    if (ms < 60_000) {
      return ms % 1000 == 0
          ? (ms / 1000) + " s"
          : String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
    }
    long s = d.toSeconds();
    if (s < 3600) {
      return (s / 60) + " min" + (s % 60 == 0 ? "" : " " + (s % 60) + " s");
    }
    return (s / 3600) + " h" + (s % 3600 / 60 == 0 ? "" : " " + (s % 3600) / 60 + " min");
  }
}
