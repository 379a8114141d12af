/*
 * plc-modbusd: serves the register map over Modbus/TCP, one connection at a time. The listening address is
 * the field network interface given on the command line; idle connections are closed after a timeout.
 */
#include "modbus_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define IDLE_TIMEOUT_SECONDS 10

static void serve(int client, mb_register_map *map) {
    uint8_t request[MB_ADU_MAX];
    uint8_t response[MB_ADU_MAX];
    size_t have = 0;
    for (;;) {
        ssize_t got = recv(client, request + have, sizeof(request) - have, 0);
        if (got <= 0) {
            return; /* closed, error or idle timeout */
        }
        have += (size_t)got;
        size_t response_length = 0;
        mb_status status = mb_handle(map, request, have, response, sizeof(response), &response_length);
        if (status == MB_INCOMPLETE && have < sizeof(request)) {
            continue;
        }
        if (status != MB_OK) {
            return;
        }
        if (send(client, response, response_length, 0) != (ssize_t)response_length) {
            return;
        }
        have = 0;
    }
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s ADDRESS PORT\n", argv[0]);
        return 2;
    }
    struct sockaddr_in address;
    memset(&address, 0, sizeof(address));
    address.sin_family = AF_INET;
    char *end = NULL;
    long port = strtol(argv[2], &end, 10);
    if (inet_pton(AF_INET, argv[1], &address.sin_addr) != 1 || *end != '\0' || port < 1 || port > 65535) {
        fprintf(stderr, "invalid address or port\n");
        return 2;
    }
    address.sin_port = htons((uint16_t)port);
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    if (listener < 0 || bind(listener, (struct sockaddr *)&address, sizeof(address)) != 0 ||
        listen(listener, 1) != 0) {
        perror("listen");
        return 1;
    }
    static mb_register_map map;
    mb_map_init(&map);
    struct timeval idle = {IDLE_TIMEOUT_SECONDS, 0};
    for (;;) {
        int client = accept(listener, NULL, NULL);
        if (client < 0) {
            continue;
        }
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &idle, sizeof(idle));
        serve(client, &map);
        close(client);
    }
}
