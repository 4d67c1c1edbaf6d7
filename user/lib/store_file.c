// SPDX-License-Identifier: GPL-2.0-only
/* The file store: the state as one JSON file. Changes hold an exclusive
 * flock on PATH.lock across read-modify-write and replace the file
 * atomically (temp file in the same directory, fsync, rename, fsync dir).
 * Readers need no lock: they see the old or the new file, never half of one.
 *
 * For the agent, list reads the file and watch follows it through inotify
 * on its directory: each time the file is replaced, it is read again and
 * the records that differ from the last version read (recdiff.h) become
 * one batch of events. Revisions count the versions this store object saw.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "recdiff.h"
#include "store.h"

struct file_store {
	struct vx_store base;  /* base.location: the path */
	struct rec_snap prev;  /* the records as of revision rev */
	int64_t rev;           /* 0: never listed */
	int gone;              /* the watch found the file missing */
	char err[512];         /* why the last list or watch failed */
};

/* The file, read and validated (the problem printed); a missing file is
 * -ENOENT, not printed.
 */
static int file_load(struct vx_store *s, struct vx_state *st)
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

/* A read: the file must exist. A typo in --state must not read as an
 * empty cluster (sync would then empty the maps).
 */
static int file_read(struct vx_store *s, struct vx_state *st)
{
	int err = file_load(s, st);

	if (err == -ENOENT)
		pr_err("state file %s does not exist; create it with vxnet node add NAME ADDRESS",
		       s->location);
	return err;
}

/* ---- update ---- */

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

/* Writes all of text to fd, the temp file tmp. */
static int write_all(int fd, const char *tmp, const char *text)
{
	size_t len = strlen(text), off = 0;

	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = -errno;

			pr_err("write %s: %s", tmp, strerror(-err));
			return err;
		}
		off += n;
	}
	return 0;
}

/* Makes the rename of a file of dir durable (best effort). */
static void sync_dir_of(const char *path)
{
	char *dup = strdup(path);
	int dfd = dup ? open(dirname(dup), O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;

	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	free(dup);
}

static int write_atomic(const char *path, const char *text)
{
	char *tmp = NULL;
	int fd = -1, err;

	if (asprintf(&tmp, "%s.tmp.XXXXXX", path) < 0) {
		pr_err("write %s: out of memory", path);
		return -ENOMEM;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		pr_err("cannot create %s: %s", tmp, strerror(errno));
		free(tmp);
		return err;
	}
	if (fchmod(fd, 0644)) {
		err = -errno;
		pr_err("chmod %s: %s", tmp, strerror(errno));
		goto cleanup;
	}
	err = write_all(fd, tmp, text);
	if (err)
		goto cleanup;
	if (fsync(fd)) {
		err = -errno;
		pr_err("fsync %s: %s", tmp, strerror(errno));
		goto cleanup;
	}
	err = close(fd) ? -errno : 0;
	fd = -1;
	if (err) {
		pr_err("close %s: %s", tmp, strerror(-err));
		goto cleanup;
	}
	if (rename(tmp, path)) {
		err = -errno;
		pr_err("rename %s to %s: %s", tmp, path, strerror(errno));
		goto cleanup;
	}
	sync_dir_of(path);
cleanup:
	if (fd >= 0)
		close(fd);
	if (err)
		unlink(tmp);
	free(tmp);
	return err;
}

/* Opens and locks PATH.lock: the lock is held until *lockfd is closed. */
static int lock_store(const char *path, int *lockfd)
{
	char *lockpath = NULL;
	int err = 0;

	if (asprintf(&lockpath, "%s.lock", path) < 0) {
		pr_err("lock %s: out of memory", path);
		return -ENOMEM;
	}
	*lockfd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (*lockfd < 0) {
		err = -errno;
		pr_err("cannot open lock file %s: %s", lockpath, strerror(errno));
		goto cleanup;
	}
	while (flock(*lockfd, LOCK_EX)) {
		if (errno == EINTR)
			continue;
		err = -errno;
		pr_err("cannot lock %s: %s", lockpath, strerror(errno));
		close(*lockfd);
		*lockfd = -1;
		break;
	}
cleanup:
	free(lockpath);
	return err;
}

/* The state as the file's text: JSON and a final newline (json_dumps
 * leaves none).
 */
static int state_text(const struct vx_state *st, const char *path, char **out)
{
	char *text = state_to_json_text(st), *p;
	size_t n;

	*out = NULL;
	if (!text) {
		pr_err("write %s: cannot encode the state as JSON", path);
		return -ENOMEM;
	}
	n = strlen(text);
	p = realloc(text, n + 2);
	if (!p) {
		free(text);
		pr_err("write %s: out of memory", path);
		return -ENOMEM;
	}
	p[n] = '\n';
	p[n + 1] = '\0';
	*out = p;
	return 0;
}

/* An update may start from nothing: it creates the file. */
static int load_for_update(struct vx_store *s, struct vx_state *st)
{
	int err = file_load(s, st);

	return err == -ENOENT ? 0 : err;
}

static int file_update(struct vx_store *s, int (*fn)(struct vx_state *st, void *arg), void *arg)
{
	struct vx_state st;
	char *text = NULL;
	int lockfd = -1, err;

	state_init(&st);
	err = make_parent(s->location) ?: lock_store(s->location, &lockfd) ?:
	      load_for_update(s, &st) ?: fn(&st, arg) ?: state_validate(&st, NULL) ?:
	      state_text(&st, s->location, &text) ?: write_atomic(s->location, text);
	if (lockfd >= 0)
		close(lockfd); /* releases the lock */
	free(text);
	state_free(&st);
	return err;
}

/* ---- list and watch ---- */

__attribute__((format(printf, 2, 3)))
static void set_error(struct file_store *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(f->err, sizeof(f->err), fmt, ap);
	va_end(ap);
}

/* Why a read failed, after the agent's "list PATH: "; the read itself
 * printed the details.
 */
static void set_read_error(struct file_store *f, int err)
{
	set_error(f, "%s", err == -EINVAL ? "not a valid state" :
		  err == -ENOENT ? "the file does not exist (vxnet node add creates it)" :
		  strerror(-err));
}

/* recdiff's callback when only "any difference?" matters. */
static int differs(void *arg, enum vx_rec_kind kind, const char *name, const char *json,
		   const void *rec)
{
	return 1;
}

/* Whether the file is there to be read: a missing file is reported once
 * (and its return once) and changes nothing, as an invalid one.
 */
static int file_there(struct file_store *f, int err)
{
	if (err == -ENOENT && !f->gone)
		pr_warn("store %s: the state file is gone; keeping the maps until it is back",
			f->base.location);
	if (err != -ENOENT && f->gone)
		pr_info("store %s: the state file is back", f->base.location);
	f->gone = err == -ENOENT;
	return !err;
}

/* The state of a snapshot, decoded from its records' JSON. */
static int snap_state(const struct rec_snap *snap, struct vx_state *st, const char *src)
{
	int err = 0;

	state_init(st);
	for (int k = 0; k < VX_REC_KINDS && !err; k++)
		for (size_t i = 0; i < snap->n[k] && !err; i++)
			err = state_record_from_json(st, k, snap->r[k][i].json,
						     strlen(snap->r[k][i].json), src);
	if (err)
		state_free(st);
	return err;
}

static int file_list(struct vx_store *s, struct vx_state *st, int64_t *rev)
{
	struct file_store *f = (struct file_store *)s;
	struct rec_snap snap;
	int err;

	err = file_load(s, st);
	/* Gone after a good version (a periodic list, a watch that failed):
	 * that version again, as the watch keeps it, reported once.
	 */
	if (err == -ENOENT && f->rev) {
		file_there(f, err);
		err = snap_state(&f->prev, st, s->location);
		if (!err) {
			*rev = f->rev;
			return 0;
		}
	}
	if (err) {
		set_read_error(f, err);
		return err;
	}
	file_there(f, 0);
	err = rec_snap(st, &snap);
	if (err) {
		state_free(st);
		set_error(f, "out of memory");
		return err;
	}
	/* A new revision unless it is the version the last list or watch saw. */
	if (!f->rev || recdiff(&f->prev, &snap, differs, NULL))
		f->rev++;
	rec_snap_free(&f->prev);
	f->prev = snap;
	*rev = f->rev;
	return 0;
}

/* The file changed (or may have): reads it and hands fn the records that
 * differ from the last version as one revision. An invalid file (the read
 * printed why) or a missing one changes nothing: the next version is
 * compared with the last valid one.
 */
static int file_changed(struct file_store *f, vx_watch_fn fn, void *arg)
{
	struct vx_store_events evs = {};
	struct rec_snap snap = {};
	struct vx_state st;
	int err;

	if (!file_there(f, file_load(&f->base, &st)))
		return 0;
	err = rec_snap(&st, &snap) ?: recdiff(&f->prev, &snap, store_event_diff, &evs);
	if (err) {
		set_error(f, "out of memory");
		goto cleanup;
	}
	if (evs.n) {
		f->rev++;
		for (size_t i = 0; i < evs.n; i++)
			evs.v[i].revision = f->rev;
		err = fn(arg, evs.v, evs.n);
		if (err) {
			set_error(f, "revision %lld of %s not applied: %s", (long long)f->rev,
				  f->base.location, strerror(-err));
			goto cleanup;
		}
	}
	rec_snap_free(&f->prev);
	f->prev = snap;
	snap = (struct rec_snap){};
cleanup:
	rec_snap_free(&snap);
	free(evs.v);
	state_free(&st);
	return err;
}

/* Watches the directory holding path for changes of its entry name. */
struct dir_watch {
	int fd;
	char *dup;
	const char *dir, *name;
};

static int dir_watch_open(struct file_store *f, struct dir_watch *w)
{
	char *slash;

	*w = (struct dir_watch){ .fd = -1, .dup = strdup(f->base.location) };
	if (!w->dup) {
		set_error(f, "out of memory");
		return -ENOMEM;
	}
	slash = strrchr(w->dup, '/');
	if (slash) {
		*slash = '\0';
		w->dir = *w->dup ? w->dup : "/";
		w->name = slash + 1;
	} else {
		w->dir = ".";
		w->name = w->dup;
	}
	w->fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (w->fd < 0 || inotify_add_watch(w->fd, w->dir, IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE) < 0) {
		int err = -errno;

		set_error(f, "watch %s: %s", w->dir, strerror(errno));
		return err;
	}
	return 0;
}

static void dir_watch_close(struct dir_watch *w)
{
	if (w->fd >= 0)
		close(w->fd);
	free(w->dup);
}

/* Waits up to a second for inotify events: *changed set when one was about
 * the file (or some were lost).
 */
static int dir_watch_wait(struct file_store *f, struct dir_watch *w, int *changed)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	struct pollfd p = { .fd = w->fd, .events = POLLIN };
	ssize_t n;

	*changed = 0;
	if (poll(&p, 1, 1000) <= 0)
		return 0; /* timeout or a signal: the caller checks stop */
	while ((n = read(w->fd, buf, sizeof(buf))) > 0) {
		for (char *q = buf; q < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)q;

			if (ev->mask & IN_IGNORED) {
				set_error(f, "watch %s: the directory is gone", w->dir);
				return -ENOENT;
			}
			if ((ev->mask & IN_Q_OVERFLOW) || (ev->len && !strcmp(ev->name, w->name)))
				*changed = 1;
			q += sizeof(*ev) + ev->len;
		}
	}
	return 0;
}

static int file_watch(struct vx_store *s, int64_t rev, vx_watch_fn fn, int (*stop)(void *arg),
		      void *arg)
{
	struct file_store *f = (struct file_store *)s;
	struct dir_watch w;
	int changed = 1, err;

	if (rev != f->rev) {
		set_error(f, "revision %lld of %s is gone (now at %lld)", (long long)rev,
			  s->location, (long long)f->rev);
		return -ESTALE;
	}
	err = dir_watch_open(f, &w);
	/* The first look catches a change between list and the watch. */
	while (!err) {
		if (changed)
			err = file_changed(f, fn, arg);
		if (!err && stop(arg))
			err = -ECANCELED;
		if (!err)
			err = dir_watch_wait(f, &w, &changed);
	}
	dir_watch_close(&w);
	return err;
}

static const char *file_error(struct vx_store *s)
{
	return ((struct file_store *)s)->err;
}

static const char *file_transport(struct vx_store *s)
{
	(void)s;
	return "inotify";
}

static void file_close(struct vx_store *s)
{
	struct file_store *f = (struct file_store *)s;

	rec_snap_free(&f->prev);
	free(s->location);
	free(f);
}

static const struct vx_store_ops file_ops = {
	.read = file_read,
	.update = file_update,
	.close = file_close,
	.list = file_list,
	.watch = file_watch,
	.error = file_error,
	.transport = file_transport,
};

/* url: "file:PATH" or a plain PATH. */
int store_file_open(const char *url, struct vx_store **out)
{
	const char *path = strncmp(url, "file:", 5) ? url : url + 5;
	struct file_store *f;

	*out = NULL;
	if (!*path) {
		pr_err("store '%s': empty file name", url);
		return -EINVAL;
	}
	f = calloc(1, sizeof(*f));
	if (!f || !(f->base.location = strdup(path))) {
		free(f);
		pr_err("store %s: out of memory", url);
		return -ENOMEM;
	}
	f->base.ops = &file_ops;
	*out = &f->base;
	return 0;
}
