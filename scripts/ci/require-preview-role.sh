#!/usr/bin/env bash
# Run by the preview and plan jobs before `pulumi preview`: the stack must name its preview role
# (dodo-platform:cluster.previewRoleArn), and the job's AWS credentials must be that role. Without
# the key the program would treat the preview role as the deployer and plan cluster-admin for it;
# with deploy credentials a plan job would hold more than it needs.
# usage: scripts/ci/require-preview-role.sh <stack>   (after `pulumi login`, with AWS credentials)
set -euo pipefail

stack="${1:?usage: require-preview-role.sh <stack>}"
if ! role=$(pulumi config get --stack "$stack" --path dodo-platform:cluster.previewRoleArn 2>/dev/null) || [ -z "$role" ]; then
  echo "::error::$stack sets no dodo-platform:cluster.previewRoleArn; set it (and cluster.adminPrincipals) as README \"Who can reach the cluster\" shows"
  exit 1
fi
caller=$(aws sts get-caller-identity --query Arn --output text)
# arn:aws:sts::<account>:assumed-role/<name>/<session> against arn:aws:iam::<account>:role/<path/><name>
caller_account=$(cut -d: -f5 <<<"$caller")
caller_role=$(cut -d/ -f2 <<<"$caller")
if [ "$caller_account" != "$(cut -d: -f5 <<<"$role")" ] || [ "$caller_role" != "${role##*/}" ]; then
  echo "::error::these credentials are $caller, not $stack's preview role $role: check AWS_ROLE_ARN of this job's environment"
  exit 1
fi
echo "previewing $stack as its preview role $role"
