package dev.arbiter.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.arbiter.core.authority.AuthorityLevel;
import dev.arbiter.server.identity.DevIssuer;
import dev.arbiter.server.identity.IdentityConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import picocli.CommandLine.Option;

/**
 * Who the engine trusts: an OIDC issuer (or, without one, the local development issuer) and how IdP
 * roles map to authority levels and domains, and action classes to domains.
 *
 * <p>The identity file ({@code --identity FILE}, YAML):
 *
 * <pre>
 * roles:                       # IdP role or group → level and the domains it covers (* = all)
 *   deploy-approver: {level: L2, domains: [infra]}
 *   payments-manager: {level: L3, domains: [payments]}
 * class_domains:               # action class → domain (a class not listed is its own domain)
 *   deploy: infra
 *   transfer: payments
 * roles_claim: groups          # optional, default roles; a dotted path reads nested claims
 * </pre>
 */
final class IdentityOptions {
  @Option(names = "--oidc-issuer", paramLabel = "URL",
      description = "Trusted OIDC issuer (discovery + JWKS). Without it a local DEVELOPMENT issuer is started (not for production).")
  URI issuer;

  @Option(names = "--oidc-audience", defaultValue = "arbiter", paramLabel = "AUD", description = "Required `aud` of access tokens (default arbiter).")
  String audience = DevIssuer.DEFAULT_AUDIENCE;

  @Option(names = "--identity", paramLabel = "FILE", description = "IdP role → level/domains and class → domain mapping (YAML, format above); default: the development mapping.")
  Path identityFile;

  /** The built-in mapping used by the quickstart's development issuer. */
  static final Map<String, AuthorityLevel> DEFAULT_LEVELS = Map.of("operator", AuthorityLevel.L1,
      "supervisor", AuthorityLevel.L2, "manager", AuthorityLevel.L3, "payments-manager", AuthorityLevel.L3,
      "security-officer", AuthorityLevel.L4, "privacy-officer", AuthorityLevel.L4, "executive", AuthorityLevel.L5);
  static final Map<String, Set<String>> DEFAULT_DOMAINS = Map.of("operator", Set.of("*"), "supervisor", Set.of("*"),
      "manager", Set.of("*"), "payments-manager", Set.of("payments"), "security-officer", Set.of("*"),
      "privacy-officer", Set.of("*"), "executive", Set.of("*"));
  static final Map<String, String> DEFAULT_CLASS_DOMAINS = Map.of("deploy", "infra", "write", "infra",
      "transfer", "payments", "data_export", "data");

  /** The loaded mapping. */
  record Mapping(Map<String, AuthorityLevel> levels, Map<String, Set<String>> domains, Map<String, String> classDomains,
      String rolesClaim) {}

  Mapping mapping() {
    if (identityFile == null && issuer != null) {
      // The development mapping trusts generic role names (manager, executive, ...) in all domains:
      // never apply it to a real identity provider's tokens.
      throw CliFailure.badInput("--oidc-issuer needs --identity FILE: the built-in role mapping is for the"
          + " development issuer only (see `arbiter serve --help` for the file's format)");
    }
    if (identityFile == null) {
      return new Mapping(DEFAULT_LEVELS, DEFAULT_DOMAINS, DEFAULT_CLASS_DOMAINS, DevIssuer.ROLES_CLAIM);
    }
    JsonNode root;
    try {
      root = new ObjectMapper(new YAMLFactory())
          .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION.mappedFeature())
          .readTree(identityFile.toFile());
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      // The parser's own message names SnakeYAML's event classes: where it went wrong is what helps.
      var at = e.getLocation();
      throw CliFailure.badInput("--identity " + identityFile + ": not valid YAML" + (at == null ? ""
          : " at line " + at.getLineNr() + ", column " + at.getColumnNr()));
    } catch (java.nio.file.NoSuchFileException | java.io.FileNotFoundException e) {
      throw CliFailure.badInput("--identity " + identityFile + ": no such file");
    } catch (IOException e) {
      throw CliFailure.badInput("--identity " + identityFile + ": " + e.getMessage());
    }
    Map<String, AuthorityLevel> levels = new LinkedHashMap<>();
    Map<String, Set<String>> domains = new LinkedHashMap<>();
    Map<String, String> classDomains = new LinkedHashMap<>();
    if (root == null || !root.isObject() || !root.path("roles").isObject()) {
      throw CliFailure.badInput("--identity " + identityFile + ": want a `roles:` map (see arbiter serve --help)");
    }
    root.fieldNames().forEachRemaining(f -> {
      if (!f.equals("roles") && !f.equals("class_domains") && !f.equals("roles_claim")) {
        throw CliFailure.badInput("--identity " + identityFile + ": unknown key `" + f + "` (want roles, class_domains, roles_claim)");
      }
    });
    root.get("roles").fields().forEachRemaining(e -> {
      String where = "--identity " + identityFile + ": roles." + e.getKey();
      if (!e.getValue().isObject()) {
        throw CliFailure.badInput(where + " must be a map {level, domains}");
      }
      e.getValue().fieldNames().forEachRemaining(f -> {
        if (!f.equals("level") && !f.equals("domains")) {
          // A typo here (`domain:`, `levle:`) would otherwise be a role that silently means less.
          throw CliFailure.badInput(where + ": unknown key `" + f + "` (want level, domains)");
        }
      });
      if (!e.getValue().path("domains").isArray()) {
        throw CliFailure.badInput(where + ".domains must be a list of domains (or [\"*\"])");
      }
      e.getValue().path("domains").forEach(d -> {
        if (!d.isTextual() || d.asText().isBlank()) {
          throw CliFailure.badInput(where + ".domains: every domain is a non-empty string");
        }
      });
      AuthorityLevel level = AuthorityLevel.fromName(e.getValue().path("level").asText(""))
          .orElseThrow(() -> CliFailure.badInput(where + ".level must be L1 to L5"));
      Set<String> ds = new TreeSet<>();
      e.getValue().path("domains").forEach(d -> ds.add(d.asText()));
      if (ds.isEmpty()) {
        throw CliFailure.badInput(where + ".domains must list at least one domain (or \"*\")");
      }
      levels.put(e.getKey(), level);
      domains.put(e.getKey(), ds);
    });
    if (root.has("class_domains") && !root.get("class_domains").isObject()) {
      throw CliFailure.badInput("--identity " + identityFile + ": class_domains must be a map of action class → domain");
    }
    root.path("class_domains").fields().forEachRemaining(e -> {
      if (!e.getValue().isTextual() || e.getValue().asText().isBlank()) {
        throw CliFailure.badInput("--identity " + identityFile + ": class_domains." + e.getKey() + " must be a domain name");
      }
      classDomains.put(e.getKey(), e.getValue().asText());
    });
    JsonNode claim = root.path("roles_claim");
    if (!claim.isMissingNode() && (!claim.isTextual() || claim.asText().isBlank())) {
      throw CliFailure.badInput("--identity " + identityFile + ": roles_claim must be the name of the token claim"
          + " that lists roles or groups (e.g. groups, or realm_access.roles)");
    }
    return new Mapping(levels, domains, classDomains, claim.isMissingNode() ? DevIssuer.ROLES_CLAIM : claim.asText());
  }

  IdentityConfig config(URI issuerUri, Mapping m) {
    try {
      return IdentityConfig.of(issuerUri, audience, m.rolesClaim(), m.levels(), m.domains());
    } catch (IllegalArgumentException e) {
      throw CliFailure.badInput(e.getMessage());
    }
  }
}
