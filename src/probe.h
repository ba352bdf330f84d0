/* `warden probe`: a health check for HEALTHCHECK and Kubernetes probes, without curl. */
#ifndef WARDEN_PROBE_H
#define WARDEN_PROBE_H

/* argv[0] is "probe"; it logs in WARDEN_LOG_FORMAT from envp. Returns 0 healthy,
 * 1 unhealthy, 125 bad usage. */
int probe_main(int argc, char **argv, char **envp);

#endif
