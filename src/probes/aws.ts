import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';

/**
 * The CloudWatch client the probes use (ProbeContext.cloudwatch), from the bot's config: `AWS_REGION`, and
 * `CLOUDWATCH_ENDPOINT` for a stand-in (the playground's, LocalStack). Credentials: the config's keys when both are
 * set (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`), otherwise the SDK's standard chain (environment, shared config
 * and SSO, web identity, ECS or EC2 roles), never from a template. The SDK retries a few
 * times; each probe's abort signal bounds that.
 */
export function createCloudWatchClient(aws: {
  region?: string | undefined;
  cloudwatchEndpoint?: string | undefined;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | undefined;
}): CloudWatchClient {
  return new CloudWatchClient({
    ...(aws.region ? { region: aws.region } : {}),
    ...(aws.cloudwatchEndpoint ? { endpoint: aws.cloudwatchEndpoint } : {}),
    ...(aws.credentials ? { credentials: aws.credentials } : {}),
    maxAttempts: 3,
  });
}
