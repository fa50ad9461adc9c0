// The HTTP ceiling beside the decision numbers: plain Javalin (same version and settings as the
// engine: virtual threads, Jetty header cache off) answering {"ok":true} to POST /v1/decisions.
// Run by decisions-run.sh hello: java -cp arbiter-bench/target/benchmarks.jar HelloServer.java PORT
public class HelloServer {
  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    io.javalin.Javalin.create(c -> {
      c.showJavalinBanner = false;
      c.useVirtualThreads = true;
      c.jetty.modifyHttpConfiguration(http -> http.setHeaderCacheSize(0));
    }).post("/v1/decisions", ctx -> ctx.contentType("application/json").result("{\"ok\":true}")).start("127.0.0.1", port);
    Thread.currentThread().join();
  }
}
