/* Modbus/TCP request handling: MBAP header checks, function codes 3, 6 and 16, bounds on every access. */
#include "modbus_server.h"

#include <string.h>

#define PROCESS_VALUES_END 16u
#define SETPOINTS_END 32u
#define SETPOINT_MAX 1000u

static uint16_t get_u16(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }

static void put_u16(uint8_t *p, uint16_t v) {
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)(v & 0xFFu);
}

void mb_map_init(mb_register_map *map) {
    memset(map, 0, sizeof(*map));
    for (unsigned i = 0; i < MB_REGISTER_COUNT; i++) {
        map->access[i] = (i >= PROCESS_VALUES_END && i < SETPOINTS_END) ? MB_ACCESS_READ_WRITE
                                                                           : MB_ACCESS_READ_ONLY;
        map->min[i] = 0;
        map->max[i] = (i >= PROCESS_VALUES_END && i < SETPOINTS_END) ? SETPOINT_MAX : 0xFFFFu;
    }
}

/* Whether registers [start, start + count) all lie inside the map; computed in 32 bits so it cannot wrap. */
static int in_map(uint16_t start, uint16_t count) {
    return count > 0 && (uint32_t)start + (uint32_t)count <= MB_REGISTER_COUNT;
}

static int writable(const mb_register_map *map, uint16_t start, uint16_t count) {
    for (uint32_t i = start; i < (uint32_t)start + count; i++) {
        if (map->access[i] != MB_ACCESS_READ_WRITE) {
            return 0;
        }
    }
    return 1;
}

static int value_allowed(const mb_register_map *map, uint16_t address, uint16_t value) {
    return value >= map->min[address] && value <= map->max[address];
}

/* Build the MBAP header of a response whose PDU is `pdu_length` bytes; returns the ADU length. */
static size_t finish(const uint8_t *request, uint8_t *response, size_t pdu_length) {
    memcpy(response, request, 4); /* transaction id and protocol id are echoed */
    put_u16(response + 4, (uint16_t)(pdu_length + 1u));
    response[6] = request[6];
    return MB_MBAP_SIZE + pdu_length;
}

static size_t exception(const uint8_t *request, uint8_t *response, uint8_t function, uint8_t code) {
    response[MB_MBAP_SIZE] = (uint8_t)(function | 0x80u);
    response[MB_MBAP_SIZE + 1] = code;
    return finish(request, response, 2);
}

static size_t read_holding(const mb_register_map *map, const uint8_t *request, const uint8_t *pdu,
                           size_t pdu_length, uint8_t *response) {
    if (pdu_length != 5) {
        return exception(request, response, pdu[0], MB_EX_ILLEGAL_VALUE);
    }
    uint16_t start = get_u16(pdu + 1);
    uint16_t count = get_u16(pdu + 3);
    if (count == 0 || count > MB_READ_MAX_REGISTERS) {
        return exception(request, response, pdu[0], MB_EX_ILLEGAL_VALUE);
    }
    if (!in_map(start, count)) {
        return exception(request, response, pdu[0], MB_EX_ILLEGAL_ADDRESS);
    }
    uint8_t *out = response + MB_MBAP_SIZE;
    out[0] = pdu[0];
    out[1] = (uint8_t)(count * 2u);
    for (uint16_t i = 0; i < count; i++) {
        put_u16(out + 2 + 2u * i, map->value[start + i]);
    }
    return finish(request, response, 2u + 2u * count);
}

static size_t write_single(mb_register_map *map, const uint8_t *request, const uint8_t *pdu, size_t pdu_length,
                           uint8_t *response) {
    if (pdu_length != 5) {
        return exception(request, response, pdu[0], MB_EX_ILLEGAL_VALUE);
    }
    uint16_t address = get_u16(pdu + 1);
    uint16_t value = get_u16(pdu + 3);
    if (!in_map(address, 1) || !writable(map, address, 1)) {
        return exception(request, response, pdu[0], MB_EX_ILLEGAL_ADDRESS);
    }
    if (!value_allowed(map, address, value)) {
        return exception(request, response, pdu[0], MB_EX_ILLEGAL_VALUE);
    }
    map->value[address] = value;
    memcpy(response + MB_MBAP_SIZE, pdu, 5); /* the normal response echoes the request */
    return finish(request, response, 5);
}

static size_t write_multiple(mb_register_map *map, const uint8_t *request, const uint8_t *pdu,
                             size_t pdu_length, uint8_t *response) {
    if (pdu_length < 6) {
        return exception(request, response, pdu[0], MB_EX_ILLEGAL_VALUE);
    }
    uint16_t start = get_u16(pdu + 1);
    uint16_t count = get_u16(pdu + 3);
    uint8_t byte_count = pdu[5];
    if (count == 0 || count > MB_WRITE_MAX_REGISTERS || byte_count != count * 2u ||
        pdu_length != 6u + byte_count) {
        return exception(request, response, pdu[0], MB_EX_ILLEGAL_VALUE);
    }
    if (!in_map(start, count) || !writable(map, start, count)) {
        return exception(request, response, pdu[0], MB_EX_ILLEGAL_ADDRESS);
    }
    /* Check every value before writing any, so a rejected request changes nothing. */
    for (uint16_t i = 0; i < count; i++) {
        if (!value_allowed(map, (uint16_t)(start + i), get_u16(pdu + 6 + 2u * i))) {
            return exception(request, response, pdu[0], MB_EX_ILLEGAL_VALUE);
        }
    }
    for (uint16_t i = 0; i < count; i++) {
        map->value[start + i] = get_u16(pdu + 6 + 2u * i);
    }
    memcpy(response + MB_MBAP_SIZE, pdu, 5);
    return finish(request, response, 5);
}

mb_status mb_handle(mb_register_map *map, const uint8_t *request, size_t length, uint8_t *response,
                    size_t capacity, size_t *response_length) {
    *response_length = 0;
    if (length < MB_MBAP_SIZE) {
        return MB_INCOMPLETE;
    }
    uint16_t protocol = get_u16(request + 2);
    uint16_t mbap_length = get_u16(request + 4); /* unit id + PDU */
    if (protocol != 0) {
        return MB_DROP;
    }
    /* A PDU has at least a function code; an MBAP length beyond the ADU limit is not Modbus/TCP. */
    if (mbap_length < 2 || mbap_length > MB_PDU_MAX + 1u) {
        return MB_DROP;
    }
    size_t frame = MB_MBAP_SIZE - 1u + mbap_length;
    if (length < frame) {
        return MB_INCOMPLETE;
    }
    if (length > frame || capacity < MB_ADU_MAX) {
        return MB_DROP; /* trailing bytes would be parsed as another request without their own header */
    }
    const uint8_t *pdu = request + MB_MBAP_SIZE;
    size_t pdu_length = mbap_length - 1u;
    switch (pdu[0]) {
    case MB_FC_READ_HOLDING:
        *response_length = read_holding(map, request, pdu, pdu_length, response);
        break;
    case MB_FC_WRITE_SINGLE:
        *response_length = write_single(map, request, pdu, pdu_length, response);
        break;
    case MB_FC_WRITE_MULTIPLE:
        *response_length = write_multiple(map, request, pdu, pdu_length, response);
        break;
    default:
        *response_length = exception(request, response, pdu[0], MB_EX_ILLEGAL_FUNCTION);
        break;
    }
    return MB_OK;
}
