import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.temporal.internal.testservice.GRPCServerHelper;
import io.temporal.internal.testservice.TestServicesStarter;
import java.net.InetSocketAddress;

/**
 * Temporal's time-skipping test server on 127.0.0.1 only: the same services as the Java SDK's
 * io.temporal.testserver.TestServer, whose main binds every interface. Run as `<this> <port>`, as
 * @temporalio/testing starts its test server. Time skipping starts locked, as in TestServer: the
 * TypeScript SDK's time-skipping client unlocks it while it waits for a workflow's result.
 */
public final class LoopbackTestServer {
  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: temporal-test-server <port>");
      System.exit(2);
    }
    int port = Integer.parseInt(args[0]);
    TestServicesStarter services = new TestServicesStarter(true, 0);
    NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port));
    GRPCServerHelper.registerServicesAndHealthChecks(services.getServices(), builder);
    Server server = builder.build().start();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.shutdownNow();
      services.close();
    }));
    server.awaitTermination();
  }
}
