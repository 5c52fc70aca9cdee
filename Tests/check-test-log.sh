#!/usr/bin/env bash
# Scans the captured output of a whole test run (every in-process server's log lines included)
# for the keys and canary message texts the tests use: none may ever be printed.
set -euo pipefail
log="${1:?usage: check-test-log.sh TEST_OUTPUT}"
secrets=(
  "sk-live-SECRET-KEY"     # ProviderPluginTests' upstream key
  "sk-test-SECRET"         # TestHost's provider key
  "pk-prod-123" "pk-ops-456" "k-tight" "k-roomy"   # API keys presented by auth and rate-limit tests
  "pk-canary"              # ProcessLogTests' keys
  "pk-sdk-test-7Hq2" "pk-chain-upstream-9" # SDKCompatibilityTests' and ChainedInstanceTests' keys
  "k-widget-1" "k-ops-2"   # AdminReloadTests' keys
  "s3cret-Pa55" "pw-Never-Shown" "pw-Not-Logged"   # Redis passwords (RedisClientTests, RedisLimitsTests)
  "sk-deploy-SECRET"       # DeploymentRecipeTests' provider key
  "CANARY-MESSAGE-TEXT"    # ProcessLogTests' message text
)
found=0
for secret in "${secrets[@]}"; do
  if grep -n -F -- "$secret" "$log" | head -3; then
    echo "check-test-log: the test output holds '$secret'" >&2
    found=1
  fi
done
[ "$found" = 0 ] && echo "check-test-log: $(wc -l < "$log") lines of test output hold no key and no canary message text"
exit "$found"
