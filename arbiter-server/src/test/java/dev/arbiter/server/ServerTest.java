package dev.arbiter.server;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** A real server on a random port over a real SQLite ledger in a fresh directory, per test. */
abstract class ServerTest {
  @TempDir Path dir;
  TestServer t;

  @BeforeEach
  void startServer() throws Exception {
    t = TestServer.start(dir);
  }

  @AfterEach
  void stopServer() {
    t.close();
  }
}
