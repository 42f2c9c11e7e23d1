package io.sagacoord.server.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * HTTP/1.1 over a plain socket, for what {@link java.net.http.HttpClient} cannot do: send from a
 * chosen local address (another loopback address is another remote address to the coordinator), or
 * send a request whose body is never finished.
 */
public final class RawHttp {

  private RawHttp() {}

  /** The status line and headers of an answer. */
  public record Answer(int status, String head) {
    public String header(String name) {
      for (String line : head.split("\r\n")) {
        int colon = line.indexOf(':');
        if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
          return line.substring(colon + 1).trim();
        }
      }
      return null;
    }
  }

  /**
   * Connects from {@code localAddress} to the coordinator on {@code port}, writes {@code head}
   * (request line and headers, without the blank line) and then {@code body} as is, and reads the
   * answer's status line and headers. The socket stays open while the answer is read, so an
   * unfinished body stays unfinished.
   */
  public static Answer send(String localAddress, int port, String head, byte[] body)
      throws IOException {
    try (Socket socket = new Socket()) {
      socket.setSoTimeout(30_000);
      socket.bind(new InetSocketAddress(InetAddress.getByName(localAddress), 0));
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 10_000);
      OutputStream out = socket.getOutputStream();
      out.write((head + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      out.write(body);
      out.flush();
      String answer = readHead(socket.getInputStream());
      int status = Integer.parseInt(answer.substring(9, 12));
      return new Answer(status, answer);
    }
  }

  /** A GET with an optional API key, from {@code localAddress}. */
  public static Answer get(String localAddress, int port, String path, String apiKey)
      throws IOException {
    String head = "GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close";
    if (apiKey != null) {
      head += "\r\nX-API-Key: " + apiKey;
    }
    return send(localAddress, port, head, new byte[0]);
  }

  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    byte[] end = {'\r', '\n', '\r', '\n'};
    while (matched < end.length) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection closed after " + head.size() + " bytes: " + head);
      }
      head.write(b);
      matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    return head.toString(StandardCharsets.ISO_8859_1);
  }
}
