// SPDX-License-Identifier: GPL-2.0-only
/* Delegation to an IPAM plugin, as the spec has a plugin do it: the
 * executable CNI_PATH/<type>, the same environment with CNI_COMMAND set,
 * the same configuration on stdin, its result or error on stdout.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cni.h"

#define DELEGATE_OUT_MAX (1 << 20)

static int find_plugin(const char *path, const char *type, char *buf, size_t len)
{
	const char *p = path;

	while (p && *p) {
		const char *end = strchr(p, ':');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (n && snprintf(buf, len, "%.*s/%s", (int)n, p, type) < (int)len &&
		    !access(buf, X_OK))
			return 0;
		p = end ? end + 1 : NULL;
	}
	return -ENOENT;
}

int cni_delegate(const struct cni_env *env, const struct cni_conf *conf, const char *command,
		 json_t **out, struct cni_err *e)
{
	int in[2] = { -1, -1 }, outp[2] = { -1, -1 }, status, ret = -1;
	char exe[4096], *buf = NULL;
	size_t n = 0, off = 0;
	json_error_t jerr;
	pid_t pid;

	*out = NULL;
	if (strchr(conf->ipam_type, '/') || !strcmp(conf->ipam_type, ".") ||
	    !strcmp(conf->ipam_type, ".."))
		return cni_fail(e, CNI_ERR_CONFIG, "invalid IPAM plugin type '%s'", conf->ipam_type);
	if (!env->path || find_plugin(env->path, conf->ipam_type, exe, sizeof(exe)))
		return cni_fail(e, CNI_ERR_CONFIG, "IPAM plugin %s not found in CNI_PATH %s",
				conf->ipam_type, env->path ? env->path : "(unset)");
	buf = malloc(DELEGATE_OUT_MAX + 1);
	if (!buf || pipe2(in, O_CLOEXEC) || pipe2(outp, O_CLOEXEC)) {
		cni_fail(e, CNI_ERR_AGAIN, "IPAM %s: %s", conf->ipam_type, strerror(errno));
		goto cleanup;
	}
	pid = fork();
	if (pid < 0) {
		cni_fail(e, CNI_ERR_AGAIN, "IPAM %s: fork: %s", conf->ipam_type, strerror(errno));
		goto cleanup;
	}
	if (!pid) {
		signal(SIGPIPE, SIG_DFL);
		if (dup2(in[0], 0) < 0 || dup2(outp[1], 1) < 0 || setenv("CNI_COMMAND", command, 1))
			_exit(127);
		execl(exe, conf->ipam_type, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(outp[1]);
	in[0] = outp[1] = -1;
	signal(SIGPIPE, SIG_IGN);
	while (off < conf->raw_len) {
		ssize_t w = write(in[1], conf->raw + off, conf->raw_len - off);

		if (w <= 0)
			break;
		off += w;
	}
	close(in[1]);
	in[1] = -1;
	for (;;) {
		ssize_t r = read(outp[0], buf + n, DELEGATE_OUT_MAX - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += r;
		if (n == DELEGATE_OUT_MAX)
			break;
	}
	buf[n] = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (n)
		*out = json_loads(buf, 0, &jerr);
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		const json_t *j = *out;
		json_t *code = json_object_get(j, "code");

		cni_fail(e, json_is_integer(code) ? (int)json_integer_value(code) : CNI_ERR_PLUGIN,
			 "IPAM %s %s: %s", conf->ipam_type, command,
			 json_string_value(json_object_get(j, "msg")) ?: "failed");
		snprintf(e->details, sizeof(e->details), "%s",
			 json_string_value(json_object_get(j, "details")) ?: "");
		json_decref(*out);
		*out = NULL;
		goto cleanup;
	}
	if (n && !*out) {
		cni_fail(e, CNI_ERR_DECODE, "IPAM %s %s: malformed result: %s", conf->ipam_type,
			 command, jerr.text);
		goto cleanup;
	}
	ret = 0;
cleanup:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (outp[i] >= 0)
			close(outp[i]);
	}
	free(buf);
	return ret;
}
