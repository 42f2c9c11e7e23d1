package io.sagacoord.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Free TCP ports on the loopback interface, picked at run time.
 *
 * <p>The ports of one request are held open together while they are picked, so they are distinct;
 * and a port handed out once is never handed out again by this JVM, so two servers of one test run
 * (a broker's two listeners, a database and a coordinator) never get the same port. Another program
 * can still take a released port before our server binds it; the caller's readiness check (cluster
 * id, server version) catches that case instead of talking to a stranger.
 */
public final class FreePorts {
  private static final Set<Integer> HANDED_OUT = new HashSet<>();

  private FreePorts() {}

  /** One free port. */
  public static int one() {
    return distinct(1)[0];
  }

  /** {@code count} distinct free ports, none of which this JVM handed out before. */
  public static synchronized int[] distinct(int count) {
    if (count < 1) {
      throw new IllegalArgumentException("count must be at least 1, was " + count);
    }
    List<ServerSocket> held = new ArrayList<>();
    try {
      int[] ports = new int[count];
      int picked = 0;
      // bounded: the kernel's ephemeral range is large, so skips of ports used before are rare
      for (int tries = 0; picked < count && tries < count + 1_000; tries++) {
        ServerSocket socket = new ServerSocket();
        held.add(socket);
        socket.setReuseAddress(false);
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        int port = socket.getLocalPort();
        if (HANDED_OUT.add(port)) {
          ports[picked++] = port;
        }
      }
      if (picked < count) {
        throw new TestkitException("could not pick " + count + " unused ports on 127.0.0.1");
      }
      return ports;
    } catch (IOException e) {
      throw new TestkitException("could not pick a free port on 127.0.0.1", e);
    } finally {
      for (ServerSocket socket : held) {
        try {
          socket.close();
        } catch (IOException ignored) {
          // closing a listening socket that never accepted cannot lose anything
        }
      }
    }
  }
}
