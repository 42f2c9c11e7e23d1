package io.sagacoord.server.internal.security;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Refuses request bodies above {@code sec.api.max-body-size} with 413 before anything reads them.
 * {@link #byDeclaredLength} runs before authentication and reads nothing: it refuses by the
 * declared {@code Content-Length}. {@link #afterAuthorization} runs once the caller is
 * authenticated and allowed, and also checks a chunked body (no declared length) by reading at most
 * the limit plus one byte, so an unauthenticated caller never makes the coordinator hold a body.
 */
public final class BodySizeLimitFilter extends OncePerRequestFilter {

  private final long limit;
  private final boolean readChunked;

  private BodySizeLimitFilter(long limit, boolean readChunked) {
    this.limit = limit;
    this.readChunked = readChunked;
  }

  /** Refuses by the declared length only; reads no body. */
  public static BodySizeLimitFilter byDeclaredLength(long limit) {
    return new BodySizeLimitFilter(limit, false);
  }

  /** Refuses by the declared length, and a chunked body by reading up to the limit plus one. */
  public static BodySizeLimitFilter afterAuthorization(long limit) {
    return new BodySizeLimitFilter(limit, true);
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    long declared = request.getContentLengthLong();
    if (declared > limit) {
      tooLarge(request, response);
      return;
    }
    if (!readChunked || declared >= 0 || request.getHeader("Transfer-Encoding") == null) {
      chain.doFilter(request, response);
      return;
    }
    byte[] body = request.getInputStream().readNBytes((int) Math.min(Integer.MAX_VALUE, limit + 1));
    if (body.length > limit) {
      tooLarge(request, response);
      return;
    }
    chain.doFilter(new BufferedRequest(request, body), response);
  }

  private void tooLarge(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    // the client may still be sending; closing avoids reading a body we refuse
    response.setHeader("Connection", "close");
    Problems.write(
        response,
        413,
        "Payload too large",
        "request bodies are limited to " + limit + " bytes (sec.api.max-body-size)",
        request.getRequestURI());
  }

  private static final class BufferedRequest extends HttpServletRequestWrapper {
    private final byte[] body;

    BufferedRequest(HttpServletRequest request, byte[] body) {
      super(request);
      this.body = body;
    }

    @Override
    public ServletInputStream getInputStream() {
      InputStream in = new ByteArrayInputStream(body);
      return new ServletInputStream() {
        @Override
        public boolean isFinished() {
          try {
            return in.available() == 0;
          } catch (IOException e) {
            return true;
          }
        }

        @Override
        public boolean isReady() {
          return true;
        }

        @Override
        public void setReadListener(ReadListener listener) {
          throw new UnsupportedOperationException("blocking reads only");
        }

        @Override
        public int read() throws IOException {
          return in.read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
          return in.read(b, off, len);
        }
      };
    }

    @Override
    public BufferedReader getReader() {
      String encoding = getCharacterEncoding();
      return new BufferedReader(
          new InputStreamReader(
              new ByteArrayInputStream(body),
              encoding == null
                  ? StandardCharsets.UTF_8
                  : java.nio.charset.Charset.forName(encoding)));
    }

    @Override
    public int getContentLength() {
      return body.length;
    }

    @Override
    public long getContentLengthLong() {
      return body.length;
    }
  }
}
