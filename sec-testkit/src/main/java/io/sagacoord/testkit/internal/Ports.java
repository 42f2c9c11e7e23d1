package io.sagacoord.testkit.internal;

import io.sagacoord.testkit.TestkitException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/** Free TCP ports on the loopback interface, picked at run time. */
public final class Ports {
  private Ports() {}

  /**
   * A port the kernel just handed out and that we released again. Another program could take it
   * before our server binds it; the caller's readiness check (cluster id, server version) catches
   * that case instead of talking to a stranger.
   */
  public static int freePort() {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(false);
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new TestkitException("could not pick a free port on 127.0.0.1", e);
    }
  }

  /** True when something accepts TCP connections on 127.0.0.1:port. */
  public static boolean isListening(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
