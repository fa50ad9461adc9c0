package dev.arbiter.core.secrets;

/**
 * Where a secret was found and which detector matched. Never carries the secret itself, so it can
 * be logged, ledgered and returned to the caller.
 *
 * @param path JSON path of the value, e.g. {@code action.payload.credentials.token}
 * @param detector stable detector name, e.g. {@code github_token}
 */
public record SecretFinding(String path, String detector) {}
