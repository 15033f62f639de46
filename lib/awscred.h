/* awscred.h: AWS credentials found the way the AWS SDKs and the aws CLI find
 * them, in their documented order:
 *   1. the environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
 *      AWS_SESSION_TOKEN;
 *   2. the profile AWS_PROFILE (else "default") of ~/.aws/credentials and
 *      ~/.aws/config (AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE): static
 *      keys, role_arn with source_profile or credential_source (Environment,
 *      Ec2InstanceMetadata, EcsContainer) through STS AssumeRole, role_arn with
 *      web_identity_token_file, or credential_process;
 *   3. web identity: AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN (EKS IRSA)
 *      through STS AssumeRoleWithWebIdentity;
 *   4. container credentials: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or
 *      _FULL_URI, with AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE) (ECS, EKS Pod
 *      Identity);
 *   5. the EC2 instance role through IMDSv2 (unless
 *      AWS_EC2_METADATA_DISABLED=true).
 * Endpoints: AWS_ENDPOINT_URL_STS (else AWS_ENDPOINT_URL, else
 * https://sts.REGION.amazonaws.com) and AWS_EC2_METADATA_SERVICE_ENDPOINT.
 * Temporary credentials carry their expiry and are fetched again shortly
 * before it (awscred_fresh). Secrets are never put in messages. */
#ifndef SEG_AWSCRED_H
#define SEG_AWSCRED_H
#include <stddef.h>
#include <stdint.h>

#include "http.h"

enum awscred_kind {
	AWSCRED_NONE, AWSCRED_STATIC, AWSCRED_PROCESS, AWSCRED_ASSUME_ROLE,
	AWSCRED_WEB_IDENTITY, AWSCRED_CONTAINER, AWSCRED_IMDS
};

struct awscred {
	char *access_key, *secret_key, *session_token;
	int64_t expires;           /* epoch seconds; 0: they do not expire */
	int64_t obtained;          /* when they were fetched */
	char source[300];          /* where they came from (no secrets) */
	enum awscred_kind kind;
	/* what a refresh needs */
	char *role_arn, *session_name, *token_file, *process, *url, *auth, *auth_file;
	char *sts_region;
	struct awscred *base;      /* the credentials AssumeRole is signed with */
	const struct http_opts *tls;  /* CA file and --insecure for the calls */
	unsigned refreshes;
};

/* awscred_profile_region: the region of the profile AWS_PROFILE (else
 * default) in ~/.aws/config, or NULL; free it. */
char *awscred_profile_region(void);

/* awscred_resolve: find credentials (region: for STS). Returns 0; EX_NOPERM
 * when there are none, err naming every source tried; EX_CONFIG for a
 * malformed file or profile; another EX_* code when a credential service
 * failed. tls (may be NULL) must outlive c. */
int awscred_resolve(struct awscred *c, const char *region, const struct http_opts *tls,
                    char *err, size_t errlen);
/* awscred_fresh: fetch temporary credentials again when they expire soon
 * (within half their life, at most 10 minutes). 0, or an EX_* code. */
int awscred_fresh(struct awscred *c, char *err, size_t errlen);
void awscred_free(struct awscred *c);
#endif
