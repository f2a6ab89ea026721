#!/usr/bin/env bash
# Fails early, naming the runner image's gap, unless `aws` is the AWS CLI v2: the jobs call it
# (require-preview-role.sh: `aws sts get-caller-identity`; the cluster kubeconfig's exec
# credential: `aws eks get-token`; the audit archive: `aws s3api put-object --checksum-algorithm`),
# and configure-aws-credentials only sets credentials, it installs no CLI. GitHub-hosted
# ubuntu-24.04 ships v2; a self-hosted image must (README, "Runners").
set -euo pipefail

if ! command -v aws > /dev/null 2>&1; then
  echo "::error::no aws command on this runner: its image needs the AWS CLI v2 (README, \"Runners\")"
  exit 1
fi
version=$(aws --version 2>&1 || true)
case "$version" in
  aws-cli/2.*) echo "AWS CLI: $version" ;;
  *)
    echo "::error::aws on this runner is \"$version\", not the AWS CLI v2 the jobs need (README, \"Runners\")"
    exit 1
    ;;
esac
