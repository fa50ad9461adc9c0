package dev.arbiter.core.policy;

import dev.arbiter.core.policy.internal.YamlNode;
import dev.arbiter.core.policy.internal.YamlReader;

/**
 * Where a bundle section ({@code gates}, {@code factors}, {@code routes}) was written: its own file
 * or bundle.yaml, with the reader that reports diagnostics against that file.
 */
record YamlSection(YamlReader reader, YamlNode.Mapping holder) {}
