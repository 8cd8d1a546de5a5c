/* Bench workload (figure 14): a TCP server that starts in about a millisecond.

   listen_server PORT            accept on fd 3 when LISTEN_FDS is set and LISTEN_PID is
                                 this process (sd_listen_fds(3): tend's `listen`), else
                                 bind 127.0.0.1:PORT itself (SO_REUSEADDR, backlog 4096)
   listen_server PORT --stdin    accept on fd 0, a listening socket passed as stdin
                                 (supervisord's fcgi-program, s6-fdholder-retrieve)
   listen_server PORT --bind PROG [ARG...]
                                 bind 127.0.0.1:PORT (as above), make it fd 0 and exec
                                 PROG: a TCP socket binder for s6-fdholder-store (what
                                 s6-networking's s6-tcpserver-socketbinder does; Debian
                                 does not package s6-networking)

   Every connection gets one line, "pid N us M\n" (N: getpid(), as the process sees itself;
   M: microseconds from the start of main() to a listening socket in hand, a bind included),
   and is closed, one at a time. The harness builds it with cc at the start of figure 14. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static long long now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

static int bind_port(const char *port_text) {
  char *end;
  long port = strtol(port_text, &end, 10);
  if (*end || port <= 0 || port > 65535) {
    fprintf(stderr, "listen_server: bad port %s\n", port_text);
    exit(2);
  }
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons((unsigned short)port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
      bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(fd, 4096) < 0) {
    fprintf(stderr, "listen_server: 127.0.0.1:%ld: %s\n", port, strerror(errno));
    exit(1);
  }
  return fd;
}

static int is_listening(int fd) {
  int on = 0;
  socklen_t len = sizeof on;
  return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) == 0 && on;
}

int main(int argc, char **argv) {
  long long began = now_us();
  if (argc < 2) {
    fprintf(stderr, "usage: listen_server PORT [--stdin | --bind PROG [ARG...]]\n");
    return 2;
  }
  int fd;
  if (argc >= 4 && strcmp(argv[2], "--bind") == 0) {
    fd = bind_port(argv[1]);
    if (dup2(fd, 0) < 0) {
      perror("listen_server: dup2");
      return 1;
    }
    execvp(argv[3], argv + 3);
    fprintf(stderr, "listen_server: exec %s: %s\n", argv[3], strerror(errno));
    return 127;
  }
  const char *fds = getenv("LISTEN_FDS"), *pid = getenv("LISTEN_PID");
  if (argc >= 3 && strcmp(argv[2], "--stdin") == 0) {
    fd = 0;
  } else if (fds && pid && atoi(fds) >= 1 && atol(pid) == (long)getpid()) {
    fd = 3;
  } else {
    fd = bind_port(argv[1]);
  }
  if (!is_listening(fd)) {
    fprintf(stderr, "listen_server: fd %d is not a listening socket\n", fd);
    return 1;
  }
  long long ready = now_us() - began;
  signal(SIGPIPE, SIG_IGN);
  char reply[64];
  int len = snprintf(reply, sizeof reply, "pid %ld us %lld\n", (long)getpid(), ready);
  for (;;) {
    int c = accept(fd, NULL, NULL);
    if (c < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EMFILE || errno == ENFILE) {
        usleep(1000);
        continue;
      }
      perror("listen_server: accept");
      return 1;
    }
    ssize_t ignored = write(c, reply, (size_t)len);
    (void)ignored;
    close(c);
  }
}
