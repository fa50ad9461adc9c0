package dev.arbiter.server.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.nimbusds.jwt.SignedJWT;
import dev.arbiter.core.authority.AuthorityLevel;
import dev.arbiter.server.identity.TokenRejectedException.Reason;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The dev issuer, verified by the real {@link TokenVerifier} over HTTP discovery and JWKS. */
class DevIssuerTest {
  private static final Duration TEN_MINUTES = Duration.ofMinutes(10);

  @TempDir Path dir;
  @TempDir Path otherDir;
  private final List<DevIssuer> started = new java.util.ArrayList<>();

  @AfterEach
  void stop() {
    started.forEach(DevIssuer::close);
  }

  private DevIssuer start(Path d, int port) throws Exception {
    DevIssuer issuer = new DevIssuer(d, DevIssuer.DEFAULT_AUDIENCE, Map.of(), Clock.systemUTC()).start(port);
    started.add(issuer);
    return issuer;
  }

  private static IdentityConfig config(DevIssuer issuer) {
    return IdentityConfig.of(issuer.issuer(), DevIssuer.DEFAULT_AUDIENCE, DevIssuer.ROLES_CLAIM,
        Map.of("approver", AuthorityLevel.L2, "exec", AuthorityLevel.L5), Map.of("approver", Set.of("payments")));
  }

  private static TokenVerifier verifier(DevIssuer issuer, Clock clock) throws Exception {
    return TokenVerifier.discover(config(issuer), clock);
  }

  @Test
  void mint_tokenIsAcceptedByTheTokenVerifier_andRolesMapToLevels() throws Exception {
    DevIssuer issuer = start(dir, 0);

    Principal alice = verifier(issuer, Clock.systemUTC()).verify(issuer.mint("alice", List.of("approver"), TEN_MINUTES));
    Principal carol = verifier(issuer, Clock.systemUTC()).verify(issuer.mint("carol", List.of("approver", "exec"), TEN_MINUTES));
    Principal agent = verifier(issuer, Clock.systemUTC()).verify(issuer.mint("agent-7", List.of(), TEN_MINUTES));

    assertThat(alice.subject()).isEqualTo("alice");
    assertThat(alice.level()).contains(AuthorityLevel.L2);
    assertThat(alice.domains()).containsExactly("payments");
    assertThat(carol.level()).contains(AuthorityLevel.L5);
    assertThat(agent.level()).isEmpty();
  }

  @Test
  void mint_carriesTheContractClaimsAndHeader() throws Exception {
    DevIssuer issuer = start(dir, 0);
    SignedJWT jwt = SignedJWT.parse(issuer.mint("alice", List.of("approver"), TEN_MINUTES));
    SignedJWT second = SignedJWT.parse(issuer.mint("alice", List.of("approver"), TEN_MINUTES));

    var c = jwt.getJWTClaimsSet();
    assertThat(jwt.getHeader().getAlgorithm().getName()).isEqualTo("ES256");
    assertThat(jwt.getHeader().getKeyID()).isEqualTo(issuer.keyId());
    assertThat(c.getIssuer()).isEqualTo(issuer.issuer().toString());
    assertThat(c.getAudience()).containsExactly("arbiter");
    assertThat(c.getStringListClaim("roles")).containsExactly("approver");
    assertThat(c.getIssueTime()).isNotNull();
    assertThat(c.getNotBeforeTime()).isNotNull();
    assertThat(Duration.between(c.getIssueTime().toInstant(), c.getExpirationTime().toInstant())).isEqualTo(TEN_MINUTES);
    assertThat(c.getJWTID()).isNotBlank().isNotEqualTo(second.getJWTClaimsSet().getJWTID());
  }

  @Test
  void verify_whenExpired_throwsExpired() throws Exception {
    DevIssuer issuer = start(dir, 0);
    String token = issuer.mint("alice", List.of("approver"), TEN_MINUTES);
    Clock later = Clock.offset(Clock.systemUTC(), Duration.ofHours(1));

    TokenRejectedException e = assertThrows(TokenRejectedException.class, () -> verifier(issuer, later).verify(token));

    assertThat(e.reason()).isEqualTo(Reason.EXPIRED);
  }

  @Test
  void verify_whenTokenFromTheDevIssuerOfAnotherDirectory_isRefused() throws Exception {
    DevIssuer mine = start(dir, 0);
    DevIssuer other = start(otherDir, 0);
    String foreign = other.mint("mallory", List.of("exec"), TEN_MINUTES);

    TokenRejectedException e = assertThrows(TokenRejectedException.class,
        () -> verifier(mine, Clock.systemUTC()).verify(foreign));

    assertThat(e.reason()).isEqualTo(Reason.WRONG_ISSUER);
    assertThat(other.keyId()).isNotEqualTo(mine.keyId());
  }

  /** Same issuer URL, different key: the other directory's issuer once served on this port. */
  @Test
  void verify_whenSameIssuerUrlButAnotherDirectorysKey_throwsUnknownKey() throws Exception {
    DevIssuer other = start(otherDir, 0);
    int port = other.issuer().getPort();
    String foreign = other.mint("mallory", List.of("exec"), TEN_MINUTES);
    other.close();
    DevIssuer mine = start(dir, port);
    assertThat(mine.issuer()).isEqualTo(URI.create("http://127.0.0.1:" + port));

    TokenRejectedException e = assertThrows(TokenRejectedException.class,
        () -> verifier(mine, Clock.systemUTC()).verify(foreign));

    assertThat(e.reason()).isEqualTo(Reason.UNKNOWN_KEY);
  }

  @Test
  void start_afterRestartOnTheSamePort_earlierTokensStayValid() throws Exception {
    DevIssuer first = start(dir, 0);
    int port = first.issuer().getPort();
    String token = first.mint("alice", List.of("approver"), TEN_MINUTES);
    String kid = first.keyId();
    first.close();

    DevIssuer again = start(dir, port);

    assertThat(again.keyId()).isEqualTo(kid);
    assertThat(verifier(again, Clock.systemUTC()).verify(token).subject()).isEqualTo("alice");
  }

  @Test
  void start_createsTheKeyFileOwnerOnly() throws Exception {
    start(dir, 0);

    Path key = dir.resolve(DevIssuerKey.FILE_NAME);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
    assertThat(Files.readString(key)).contains("\"d\"");
  }

  @ParameterizedTest
  @ValueSource(strings = {"rw-r-----", "rw----r--", "rw--w----"})
  void start_whenKeyFileAccessibleByOthers_isRefused(String mode) throws Exception {
    start(dir, 0).close();
    Path key = dir.resolve(DevIssuerKey.FILE_NAME);
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString(mode));
    String before = Files.readString(key);

    DevIssuer issuer = new DevIssuer(dir, "arbiter", Map.of(), Clock.systemUTC());
    assertThatThrownBy(() -> issuer.start(0))
        .isInstanceOf(DevIssuerRefusedException.class)
        .hasMessageContaining("chmod 600")
        .hasMessageNotContaining(before);
    assertThat(Files.readString(key)).isEqualTo(before);
  }

  @Test
  void start_whenKeyFileIsNotAKey_isRefusedAndNotReplaced() throws Exception {
    Path key = dir.resolve(DevIssuerKey.FILE_NAME);
    Files.writeString(key, "{\"kty\":\"oct\",\"k\":\"AAAA\"}");
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));

    assertThatThrownBy(() -> new DevIssuer(dir, "arbiter", Map.of(), Clock.systemUTC()).start(0))
        .isInstanceOf(DevIssuerRefusedException.class)
        .hasMessageContaining("P-256");
    assertThat(Files.readString(key)).contains("oct");
  }

  @ParameterizedTest
  @ValueSource(strings = {"production", "PRODUCTION", " Production "})
  void start_whenArbiterEnvIsProduction_isRefusedBeforeAnyKeyIsCreated(String value) {
    DevIssuer issuer = new DevIssuer(dir, "arbiter", Map.of("ARBITER_ENV", value), Clock.systemUTC());

    assertThatThrownBy(() -> issuer.start(0))
        .isInstanceOf(DevIssuerRefusedException.class)
        .hasMessageContaining("ARBITER_ENV")
        .hasMessageContaining("not for production");
    assertThat(dir.resolve(DevIssuerKey.FILE_NAME)).doesNotExist();
    assertThatThrownBy(() -> issuer.mint("a", List.of(), TEN_MINUTES)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void start_whenProductionMarkerFile_isRefused() throws Exception {
    Files.writeString(dir.resolve("production.marker"), "");

    assertThatThrownBy(() -> new DevIssuer(dir, "arbiter", Map.of(), Clock.systemUTC()).start(0))
        .isInstanceOf(DevIssuerRefusedException.class)
        .hasMessageContaining("production.marker");
    assertThat(dir.resolve(DevIssuerKey.FILE_NAME)).doesNotExist();
  }

  @ParameterizedTest
  @ValueSource(strings = {
    "environment: production\n",
    "# config\nserver:\n  port: 1\n  environment: \"production\"   # live\n",
    "environment: 'production'\r\n",
  })
  void start_whenArbiterYamlSaysProduction_isRefused(String yaml) throws Exception {
    Files.writeString(dir.resolve("arbiter.yaml"), yaml);

    assertThatThrownBy(() -> new DevIssuer(dir, "arbiter", Map.of(), Clock.systemUTC()).start(0))
        .isInstanceOf(DevIssuerRefusedException.class)
        .hasMessageContaining("arbiter.yaml");
  }

  @Test
  void start_whenArbiterYamlSaysDevelopmentAndEnvIsDev_starts() throws Exception {
    Files.writeString(dir.resolve("arbiter.yaml"), "environment: dev\n# environment: production is for later\n");
    DevIssuer issuer = new DevIssuer(dir, "arbiter", Map.of("ARBITER_ENV", "dev"), Clock.systemUTC()).start(0);
    started.add(issuer);

    assertThat(issuer.issuer().getHost()).isEqualTo("127.0.0.1");
  }

  @Test
  void rootPageAndDiscovery_sayDevelopmentIssuer() throws Exception {
    DevIssuer issuer = start(dir, 0);
    HttpClient http = HttpClient.newHttpClient();

    String root = http.send(HttpRequest.newBuilder(issuer.issuer().resolve("/")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    String discovery = http.send(HttpRequest.newBuilder(URI.create(issuer.issuer() + "/.well-known/openid-configuration")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    String jwks = http.send(HttpRequest.newBuilder(URI.create(issuer.issuer() + "/jwks")).build(),
        HttpResponse.BodyHandlers.ofString()).body();

    assertThat(root).contains("DEVELOPMENT ISSUER — not for production");
    assertThat(discovery).contains("DEVELOPMENT ISSUER — not for production").contains("\"ES256\"")
        .contains("\"jwks_uri\":\"" + issuer.issuer() + "/jwks\"");
    assertThat(jwks).contains(issuer.keyId()).doesNotContain("\"d\"");
  }

  @Test
  void mint_refusesBadArguments() throws Exception {
    DevIssuer issuer = start(dir, 0);

    assertThatThrownBy(() -> issuer.mint(" ", List.of(), TEN_MINUTES)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> issuer.mint("a", List.of(), Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> issuer.mint("a", List.of(), Duration.ofDays(2))).isInstanceOf(IllegalArgumentException.class);
  }
}
