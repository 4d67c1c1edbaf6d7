// SPDX-License-Identifier: GPL-2.0-only
/* The file store: the state as one JSON file. Changes hold an exclusive
 * flock on PATH.lock across read-modify-write and replace the file
 * atomically (temp file in the same directory, fsync, rename, fsync dir).
 * Readers need no lock: they see the old or the new file, never half of one.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "store.h"

static int file_read(struct vx_store *s, struct vx_state *st)
{
	int err;

	err = state_from_json_file(st, s->location);
	if (err)
		return err;
	err = state_validate(st, s->location);
	if (err)
		state_free(st);
	return err;
}

/* mkdir -p for the directory holding path. */
static int make_parent(const char *path)
{
	char *dup = strdup(path), *dir = NULL;
	int err = 0;

	/* dirname may return a static ".": work on a copy of its result. */
	if (dup)
		dir = strdup(dirname(dup));
	free(dup);
	dup = dir;
	if (!dir) {
		pr_err("cannot create directory for %s: out of memory", path);
		return -ENOMEM;
	}
	for (char *p = dir + 1; ; p++) {
		if (*p && *p != '/')
			continue;
		char c = *p;

		*p = '\0';
		if (mkdir(dir, 0755) && errno != EEXIST) {
			err = -errno;
			pr_err("cannot create directory %s: %s", dir, strerror(errno));
			break;
		}
		*p = c;
		if (!c)
			break;
	}
	free(dup);
	return err;
}

static int write_atomic(const char *path, const char *text)
{
	char *tmp = NULL, *dup = NULL;
	size_t len = strlen(text), off = 0;
	int fd = -1, dfd = -1, err = 0;

	if (asprintf(&tmp, "%s.tmp.XXXXXX", path) < 0) {
		tmp = NULL;
		err = -ENOMEM;
		pr_err("write %s: out of memory", path);
		goto cleanup;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		pr_err("cannot create %s: %s", tmp, strerror(errno));
		free(tmp);
		tmp = NULL;
		goto cleanup;
	}
	if (fchmod(fd, 0644)) {
		err = -errno;
		pr_err("chmod %s: %s", tmp, strerror(errno));
		goto cleanup;
	}
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			pr_err("write %s: %s", tmp, strerror(errno));
			goto cleanup;
		}
		off += n;
	}
	if (fsync(fd)) {
		err = -errno;
		pr_err("fsync %s: %s", tmp, strerror(errno));
		goto cleanup;
	}
	if (close(fd)) {
		fd = -1;
		err = -errno;
		pr_err("close %s: %s", tmp, strerror(errno));
		goto cleanup;
	}
	fd = -1;
	if (rename(tmp, path)) {
		err = -errno;
		pr_err("rename %s to %s: %s", tmp, path, strerror(errno));
		goto cleanup;
	}
	free(tmp);
	tmp = NULL;
	/* Make the rename itself durable. */
	dup = strdup(path);
	if (dup) {
		dfd = open(dirname(dup), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0)
			fsync(dfd);
	}
cleanup:
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	free(dup);
	return err;
}

static int file_update(struct vx_store *s, int (*fn)(struct vx_state *st, void *arg), void *arg)
{
	struct vx_state st;
	char *lockpath = NULL, *text = NULL;
	int lockfd = -1, err;

	state_init(&st);
	err = make_parent(s->location);
	if (err)
		goto cleanup;
	if (asprintf(&lockpath, "%s.lock", s->location) < 0) {
		lockpath = NULL;
		err = -ENOMEM;
		pr_err("lock %s: out of memory", s->location);
		goto cleanup;
	}
	lockfd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lockfd < 0) {
		err = -errno;
		pr_err("cannot open lock file %s: %s", lockpath, strerror(errno));
		goto cleanup;
	}
	while (flock(lockfd, LOCK_EX)) {
		if (errno == EINTR)
			continue;
		err = -errno;
		pr_err("cannot lock %s: %s", lockpath, strerror(errno));
		goto cleanup;
	}
	err = file_read(s, &st);
	if (err)
		goto cleanup;
	err = fn(&st, arg);
	if (err)
		goto cleanup;
	err = state_validate(&st, NULL);
	if (err)
		goto cleanup;
	text = state_to_json_text(&st);
	if (!text) {
		err = -ENOMEM;
		pr_err("write %s: cannot encode the state as JSON", s->location);
		goto cleanup;
	}
	/* json_dumps leaves no final newline; add one. */
	{
		size_t n = strlen(text);
		char *p = realloc(text, n + 2);

		if (!p) {
			err = -ENOMEM;
			pr_err("write %s: out of memory", s->location);
			goto cleanup;
		}
		text = p;
		text[n] = '\n';
		text[n + 1] = '\0';
	}
	err = write_atomic(s->location, text);
cleanup:
	if (lockfd >= 0)
		close(lockfd); /* releases the lock */
	free(lockpath);
	free(text);
	state_free(&st);
	return err;
}

static void file_close(struct vx_store *s)
{
	free(s->location);
	free(s);
}

static const struct vx_store_ops file_ops = {
	.read = file_read,
	.update = file_update,
	.close = file_close,
};

int store_open(const char *url, struct vx_store **out)
{
	const char *path = url;
	struct vx_store *s;

	*out = NULL;
	if (!strncmp(url, "etcd://", 7))
		return store_etcd_open(url, out);
	if (!strncmp(url, "file:", 5))
		path = url + 5;
	else if (strstr(url, "://") || !strncmp(url, "etcd:", 5)) {
		pr_err("store %s: unsupported store type (use file:PATH or etcd://HOST:PORT[,HOST:PORT...])", url);
		return -EPROTONOSUPPORT;
	}
	if (!*path) {
		pr_err("store '%s': empty file name", url);
		return -EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (!s || !(s->location = strdup(path))) {
		free(s);
		pr_err("store %s: out of memory", url);
		return -ENOMEM;
	}
	s->ops = &file_ops;
	*out = s;
	return 0;
}
