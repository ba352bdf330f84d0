#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hosts.h"
#include "suites.h"
#include "url.h"

START_TEST(http_urls)
{
    struct url u;
    char why[256];
    ck_assert_int_eq(url_parse("http://127.0.0.1:8000/health", &u, why, sizeof(why)), 0);
    ck_assert_int_eq(u.scheme, URL_HTTP);
    ck_assert_str_eq(u.host, "127.0.0.1");
    ck_assert_uint_eq(u.port, 8000);
    ck_assert_str_eq(u.target, "/health");
    ck_assert_int_eq(url_parse("http://localhost", &u, why, sizeof(why)), 0);
    ck_assert_uint_eq(u.port, 80);
    ck_assert_str_eq(u.target, "/");
    ck_assert_int_eq(url_parse("http://[::1]:81/a?b=c", &u, why, sizeof(why)), 0);
    ck_assert(u.host_is_ipv6_literal);
    ck_assert_str_eq(u.host, "::1");
    ck_assert_str_eq(u.target, "/a?b=c");
    ck_assert_int_eq(url_parse("http://app?x=1", &u, why, sizeof(why)), 0);
    ck_assert_str_eq(u.target, "/?x=1");
}
END_TEST

START_TEST(other_schemes)
{
    struct url u;
    char why[256];
    ck_assert_int_eq(url_parse("tcp://db:5432", &u, why, sizeof(why)), 0);
    ck_assert_int_eq(u.scheme, URL_TCP);
    ck_assert_uint_eq(u.port, 5432);
    ck_assert_int_eq(url_parse("tcp://db:5432/", &u, why, sizeof(why)), 0);
    ck_assert_int_eq(url_parse("unix:///run/app.sock", &u, why, sizeof(why)), 0);
    ck_assert_str_eq(u.socket_path, "/run/app.sock");
    ck_assert_int_eq(url_parse("http+unix:///run/app.sock:/health?x", &u, why, sizeof(why)), 0);
    ck_assert_str_eq(u.socket_path, "/run/app.sock");
    ck_assert_str_eq(u.target, "/health?x");
    ck_assert_int_eq(url_parse("http+unix:///run/app.sock", &u, why, sizeof(why)), 0);
    ck_assert_str_eq(u.target, "/");
}
END_TEST

START_TEST(malformed_urls)
{
    const char *bad[] = {
        "",
        "127.0.0.1:80",
        "https://x/",
        "ftp://x",
        "http://",
        "http:///path",
        "http://host:0/",
        "http://host:65536/",
        "http://host:-1/",
        "http://host:80x/",
        "http://host:/",
        "http://us er@host/",
        "http://user@host/",
        "http://ho st/",
        "http://host/a b",
        "http://host/\x01",
        "http://host/#frag",
        "http://[::1/",
        "http://[zz]/",
        "http://[::1]x/",
        "tcp://host",
        "tcp://host:1/path",
        "tcp://:80",
        "unix://relative.sock",
        "unix://",
        "http+unix://relative:/x",
        "http+unix:///s.sock:health",
        "unix:///"
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.sock",
    };
    struct url u;
    char why[256];
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(url_parse(bad[i], &u, why, sizeof(why)) == -1, "accepted '%s'", bad[i]);
}
END_TEST

START_TEST(status_lines)
{
#define CODE(text) http_status_code(text, strlen(text))
    ck_assert_int_eq(CODE("HTTP/1.1 200 OK\r\n"), 200);
    ck_assert_int_eq(CODE("HTTP/1.0 503 Service Unavailable\r\n"), 503);
    ck_assert_int_eq(CODE("HTTP/1.1 204\r\n"), 204);
    ck_assert_int_eq(CODE("HTTP/1.1 404\n"), 404);
    ck_assert_int_eq(CODE("HTTP/1.1 20"), -1);
    ck_assert_int_eq(CODE("HTTP/2 200 OK\r\n"), -1);
    ck_assert_int_eq(CODE("HTTP/1.1 2000 OK\r\n"), -1);
    ck_assert_int_eq(CODE("HTTP/1.1 099 OK\r\n"), -1);
    ck_assert_int_eq(CODE("HTTP/1.1 abc OK\r\n"), -1);
    ck_assert_int_eq(CODE("SSH-2.0-OpenSSH\r\n"), -1);
    ck_assert_int_eq(http_status_code("", 0), -1);
#undef CODE
}
END_TEST

START_TEST(hosts_file)
{
    char path[] = "/tmp/warden-hosts-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    const char *text = "# comment\n127.0.0.1 localhost\n10.0.0.5   app app.local # the app\n"
                       "::1 ip6-localhost\nnot-an-address broken\n\n192.168.1.1\tDB\n";
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    struct sockaddr_storage addr;
    socklen_t len;
    ck_assert_int_eq(hosts_lookup(path, "app.local", &addr, &len), 0);
    ck_assert_int_eq(addr.ss_family, AF_INET);
    ck_assert_uint_eq(ntohl(((struct sockaddr_in *)&addr)->sin_addr.s_addr), 0x0a000005);
    ck_assert_int_eq(hosts_lookup(path, "db", &addr, &len), 0);
    ck_assert_int_eq(hosts_lookup(path, "ip6-localhost", &addr, &len), 0);
    ck_assert_int_eq(addr.ss_family, AF_INET6);
    ck_assert_int_eq(hosts_lookup(path, "broken", &addr, &len), -1);
    ck_assert_int_eq(hosts_lookup(path, "comment", &addr, &len), -1);
    ck_assert_int_eq(hosts_lookup(path, "the", &addr, &len), -1);
    ck_assert_int_eq(hosts_lookup(path, "missing", &addr, &len), -1);
    ck_assert_int_eq(hosts_lookup("/nonexistent/hosts", "app", &addr, &len), -1);
    unlink(path);
}
END_TEST

Suite *url_suite(void)
{
    Suite *s = suite_create("url");
    TCase *tc = tcase_create("parse");
    tcase_add_test(tc, http_urls);
    tcase_add_test(tc, other_schemes);
    tcase_add_test(tc, malformed_urls);
    tcase_add_test(tc, status_lines);
    tcase_add_test(tc, hosts_file);
    suite_add_tcase(s, tc);
    return s;
}
