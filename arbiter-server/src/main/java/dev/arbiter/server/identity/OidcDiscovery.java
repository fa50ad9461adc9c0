package dev.arbiter.server.identity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.arbiter.server.identity.TokenRejectedException.Reason;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Reads {@code issuer} and {@code jwks_uri} from the issuer's {@code
 * /.well-known/openid-configuration} (OpenID Connect Discovery 1.0 §4). The document's {@code
 * issuer} must equal the configured one exactly (§4.3), or the configuration is refused.
 */
final class OidcDiscovery {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofSeconds(5);
  private static final int MAX_DOCUMENT_BYTES = 64 * 1024;

  /** The trusted part of a provider's metadata: only what token verification needs. */
  record Metadata(URI issuer, URI jwksUri) {}

  private OidcDiscovery() {}

  static Metadata fetch(URI configuredIssuer, HttpClient http) throws TokenRejectedException {
    String base = configuredIssuer.toString();
    if (base.endsWith("/")) {
      base = base.substring(0, base.length() - 1);
    }
    URI wellKnown = URI.create(base + "/.well-known/openid-configuration");
    HttpResponse<byte[]> response;
    try {
      response =
          http.send(
              HttpRequest.newBuilder(wellKnown)
                  .timeout(TIMEOUT)
                  .header("Accept", "application/json")
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw unavailable(wellKnown, "cannot be fetched", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw unavailable(wellKnown, "fetch interrupted", e);
    }
    if (response.statusCode() != 200) {
      throw unavailable(wellKnown, "answered HTTP " + response.statusCode(), null);
    }
    if (response.body().length > MAX_DOCUMENT_BYTES) {
      throw unavailable(wellKnown, "is larger than " + MAX_DOCUMENT_BYTES + " bytes", null);
    }
    JsonNode doc;
    try {
      doc = JSON.readTree(response.body());
    } catch (IOException e) {
      throw unavailable(wellKnown, "is not JSON", e);
    }
    if (doc == null || !doc.path("issuer").isTextual() || !doc.path("jwks_uri").isTextual()) {
      throw unavailable(wellKnown, "lacks string `issuer` or `jwks_uri`", null);
    }
    String claimedIssuer = doc.get("issuer").asText();
    if (!claimedIssuer.equals(configuredIssuer.toString())) {
      // A configuration mismatch on the engine's side (a trailing slash is enough), not the caller's bad
      // token: 503 identity-unavailable, never a 401 recorded against whoever called first.
      throw unavailable(wellKnown, "names issuer `" + claimedIssuer + "`, but --oidc-issuer is `" + configuredIssuer
          + "` (they must match exactly, trailing slash included)", null);
    }
    URI jwksUri;
    try {
      jwksUri = new URI(doc.get("jwks_uri").asText());
    } catch (java.net.URISyntaxException e) {
      throw unavailable(wellKnown, "has an unparsable `jwks_uri`", e);
    }
    if (!jwksUri.isAbsolute()
        || !("https".equals(jwksUri.getScheme()) || "http".equals(jwksUri.getScheme()))) {
      throw unavailable(wellKnown, "has a `jwks_uri` that is not an absolute http(s) URL", null);
    }
    if ("http".equals(jwksUri.getScheme()) && (jwksUri.getHost() == null || !dev.arbiter.http.Loopback.isLoopback(jwksUri.getHost()))) {
      // The keys every token is checked with: fetched over plain HTTP, anyone on the path could swap them.
      throw unavailable(wellKnown, "has a plain-http `jwks_uri` on a host that is not loopback: " + jwksUri, null);
    }
    return new Metadata(configuredIssuer, jwksUri);
  }

  private static TokenRejectedException unavailable(URI url, String what, Throwable cause) {
    return new TokenRejectedException(
        Reason.IDP_UNAVAILABLE, "OIDC discovery " + url + " " + what, cause);
  }
}
