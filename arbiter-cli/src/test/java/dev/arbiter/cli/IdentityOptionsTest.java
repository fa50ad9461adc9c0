package dev.arbiter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.core.authority.AuthorityLevel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The identity file of `arbiter serve --identity`: what it maps, and that a bad one stops the start. */
class IdentityOptionsTest {
  @TempDir Path dir;

  @Test
  void aFileMapsRolesToLevelsAndDomains_andClassesToDomains() throws Exception {
    Path file = Files.writeString(dir.resolve("identity.yaml"), """
        roles:
          deploy-approver: {level: L2, domains: [infra]}
          security: {level: L4, domains: ["*"]}
        class_domains: {deploy: infra, transfer: payments}
        """);
    IdentityOptions o = new IdentityOptions();
    o.identityFile = file;

    IdentityOptions.Mapping m = o.mapping();

    assertThat(m.levels()).containsEntry("deploy-approver", AuthorityLevel.L2).containsEntry("security", AuthorityLevel.L4);
    assertThat(m.domains()).containsEntry("deploy-approver", Set.of("infra")).containsEntry("security", Set.of("*"));
    assertThat(m.classDomains()).containsEntry("transfer", "payments");
    assertThat(m.rolesClaim()).as("the default").isEqualTo("roles");

    Files.writeString(file, "roles: {x: {level: L2, domains: [a]}}\nroles_claim: realm_access.roles\n");
    assertThat(o.mapping().rolesClaim()).isEqualTo("realm_access.roles");
  }

  @Test
  void withoutAFile_theDevelopmentMappingIsUsed() {
    assertThat(new IdentityOptions().mapping().levels()).containsEntry("security-officer", AuthorityLevel.L4)
        .containsEntry("executive", AuthorityLevel.L5);
  }

  @Test
  void aBadFile_refusesToStart_exit2_namingTheProblem() throws Exception {
    for (String bad : new String[] {
        "roles: {x: {level: L9, domains: [a]}}",
        "roles: {x: {level: L2}}",
        "roles: {x: {level: L2, domains: [a]}}\nextra: 1",
        "nothing: here",
        "roles: {x: {level: L2, domains: [a], extra: 1}}",
        "roles: {x: {level: L2, domain: [a], domains: [a]}}",
        "roles: {x: {level: L2, domains: a}}",
        "roles: {x: {level: L2, domains: [{}]}}",
        "roles: {x: L2}",
        "roles: {x: {level: L2, domains: [a]}}\nclass_domains: [deploy]",
        "roles: {x: {level: L2, domains: [a]}}\nclass_domains: {deploy: {}}",
        "roles: {x: {level: L2, domains: [a]}}\nroles_claim: [groups]",
        "roles: {x: {level: L2, domains: [a]}}\nroles_claim: ''",
        "{{{"}) {
      Path file = Files.writeString(dir.resolve("bad.yaml"), bad);
      CliRun r = CliRun.of("serve", "--data-dir", dir.resolve("data").toString(), "--bundle", "../examples/policy",
          "--port", "0", "--identity", file.toString());
      assertThat(r.exitCode()).as(bad + "\n" + r).isEqualTo(2);
      assertThat(r.err()).contains("--identity").doesNotContain("snakeyaml").doesNotContain("Exception");
    }
  }
}
