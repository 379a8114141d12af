/*
 * Modbus/TCP server core of the PLC runtime: parses one request ADU and builds the response
 * against the register map. No I/O happens here, so every rule can be tested on a host.
 */
#ifndef MODBUS_SERVER_H
#define MODBUS_SERVER_H

#include <stddef.h>
#include <stdint.h>

/* Modbus/TCP limits from the Modbus Application Protocol Specification V1.1b3. */
#define MB_MBAP_SIZE 7u
#define MB_ADU_MAX 260u                      /* MBAP (7) + PDU (253) */
#define MB_PDU_MAX 253u
#define MB_READ_MAX_REGISTERS 125u           /* function code 3 */
#define MB_WRITE_MAX_REGISTERS 123u          /* function code 16 */

#define MB_FC_READ_HOLDING 0x03u
#define MB_FC_WRITE_SINGLE 0x06u
#define MB_FC_WRITE_MULTIPLE 0x10u

#define MB_EX_ILLEGAL_FUNCTION 0x01u
#define MB_EX_ILLEGAL_ADDRESS 0x02u
#define MB_EX_ILLEGAL_VALUE 0x03u

#define MB_REGISTER_COUNT 64u

/* Which registers a client on the field network may write: process values are read-only. */
typedef enum { MB_ACCESS_READ_ONLY = 0, MB_ACCESS_READ_WRITE = 1 } mb_access;

typedef struct {
    uint16_t value[MB_REGISTER_COUNT];
    mb_access access[MB_REGISTER_COUNT];
    /* Inclusive limits a written value must respect, per register (setpoints have engineering ranges). */
    uint16_t min[MB_REGISTER_COUNT];
    uint16_t max[MB_REGISTER_COUNT];
} mb_register_map;

typedef enum {
    MB_OK = 0,             /* a response (normal or exception) is in the output buffer */
    MB_INCOMPLETE = 1,     /* fewer bytes than the MBAP header announces: read more */
    MB_DROP = 2,           /* not a Modbus/TCP frame this server answers: close the connection */
} mb_status;

/* Registers 0..15 hold process values (read-only); 16..31 are setpoints within 0..1000; the rest reserved. */
void mb_map_init(mb_register_map *map);

/*
 * Handle one request of `length` bytes from `request`. On MB_OK, the response of `*response_length` bytes
 * (never more than MB_ADU_MAX and never more than `capacity`) is in `response`.
 */
mb_status mb_handle(mb_register_map *map, const uint8_t *request, size_t length, uint8_t *response,
                    size_t capacity, size_t *response_length);

#endif
