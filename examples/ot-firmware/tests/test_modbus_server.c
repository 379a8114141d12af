/*
 * Host tests of the Modbus/TCP core, one CTest test per case: `test_modbus_server CASE` runs CASE.
 * Plain asserts; the build keeps them (NDEBUG is undefined below) whatever the build type.
 */
#undef NDEBUG
#include "modbus_server.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

static mb_register_map map;
static uint8_t response[MB_ADU_MAX];
static size_t response_length;

/* A request ADU: transaction 0x0102, protocol 0, unit 1, then the PDU. */
static size_t frame(uint8_t *out, const uint8_t *pdu, size_t pdu_length) {
    out[0] = 0x01;
    out[1] = 0x02;
    out[2] = 0x00;
    out[3] = 0x00;
    out[4] = (uint8_t)((pdu_length + 1) >> 8);
    out[5] = (uint8_t)((pdu_length + 1) & 0xFF);
    out[6] = 0x01;
    memcpy(out + 7, pdu, pdu_length);
    return 7 + pdu_length;
}

static mb_status send_pdu(const uint8_t *pdu, size_t pdu_length) {
    uint8_t request[MB_ADU_MAX + 16];
    size_t length = frame(request, pdu, pdu_length);
    return mb_handle(&map, request, length, response, sizeof(response), &response_length);
}

static void assert_exception(uint8_t function, uint8_t code) {
    assert(response_length == 9);
    assert(response[7] == (uint8_t)(function | 0x80));
    assert(response[8] == code);
}

static void mbap_rejects_nonzero_protocol_id(void) {
    uint8_t request[12] = {0x00, 0x01, 0x00, 0x01, 0x00, 0x06, 0x01, 0x03, 0x00, 0x00, 0x00, 0x01};
    assert(mb_handle(&map, request, sizeof(request), response, sizeof(response), &response_length) == MB_DROP);
    assert(response_length == 0);
}

static void mbap_rejects_bad_length(void) {
    uint8_t too_short[8] = {0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x01, 0x03};
    assert(mb_handle(&map, too_short, sizeof(too_short), response, sizeof(response), &response_length) == MB_DROP);
    uint8_t too_long[7] = {0x00, 0x01, 0x00, 0x00, 0xFF, 0xFF, 0x01};
    assert(mb_handle(&map, too_long, sizeof(too_long), response, sizeof(response), &response_length) == MB_DROP);
}

static void mbap_waits_for_a_complete_frame(void) {
    uint8_t pdu[5] = {0x03, 0x00, 0x00, 0x00, 0x01};
    uint8_t request[16];
    size_t length = frame(request, pdu, sizeof(pdu));
    for (size_t cut = 0; cut < length; cut++) {
        assert(mb_handle(&map, request, cut, response, sizeof(response), &response_length) == MB_INCOMPLETE);
    }
    request[length] = 0xAA; /* a trailing byte without its own header is not a second request */
    assert(mb_handle(&map, request, length + 1, response, sizeof(response), &response_length) == MB_DROP);
}

static void fc3_reads_the_register_map(void) {
    map.value[2] = 0x1234;
    map.value[3] = 0xBEEF;
    uint8_t pdu[5] = {0x03, 0x00, 0x02, 0x00, 0x02};
    assert(send_pdu(pdu, sizeof(pdu)) == MB_OK);
    assert(response_length == 7 + 2 + 4);
    assert(response[0] == 0x01 && response[1] == 0x02 && response[6] == 0x01);
    assert(response[7] == 0x03 && response[8] == 4);
    assert(response[9] == 0x12 && response[10] == 0x34 && response[11] == 0xBE && response[12] == 0xEF);
}

static void fc3_rejects_reads_outside_the_map(void) {
    uint8_t past_end[5] = {0x03, 0x00, MB_REGISTER_COUNT - 1, 0x00, 0x02};
    assert(send_pdu(past_end, sizeof(past_end)) == MB_OK);
    assert_exception(0x03, MB_EX_ILLEGAL_ADDRESS);
    uint8_t wraps[5] = {0x03, 0xFF, 0xFF, 0x00, 0x02}; /* start + count overflows 16 bits */
    assert(send_pdu(wraps, sizeof(wraps)) == MB_OK);
    assert_exception(0x03, MB_EX_ILLEGAL_ADDRESS);
}

static void fc3_rejects_bad_quantities(void) {
    uint8_t zero[5] = {0x03, 0x00, 0x00, 0x00, 0x00};
    assert(send_pdu(zero, sizeof(zero)) == MB_OK);
    assert_exception(0x03, MB_EX_ILLEGAL_VALUE);
    uint8_t too_many[5] = {0x03, 0x00, 0x00, 0x00, MB_READ_MAX_REGISTERS + 1};
    assert(send_pdu(too_many, sizeof(too_many)) == MB_OK);
    assert_exception(0x03, MB_EX_ILLEGAL_VALUE);
    uint8_t truncated[3] = {0x03, 0x00, 0x00};
    assert(send_pdu(truncated, sizeof(truncated)) == MB_OK);
    assert_exception(0x03, MB_EX_ILLEGAL_VALUE);
}

static void fc6_writes_a_setpoint(void) {
    uint8_t pdu[5] = {0x06, 0x00, 0x10, 0x01, 0xF4}; /* register 16 := 500 */
    assert(send_pdu(pdu, sizeof(pdu)) == MB_OK);
    assert(response_length == 12 && memcmp(response + 7, pdu, 5) == 0);
    assert(map.value[16] == 500);
}

static void fc6_refuses_read_only_registers(void) {
    map.value[0] = 7;
    uint8_t pdu[5] = {0x06, 0x00, 0x00, 0x00, 0x01};
    assert(send_pdu(pdu, sizeof(pdu)) == MB_OK);
    assert_exception(0x06, MB_EX_ILLEGAL_ADDRESS);
    assert(map.value[0] == 7);
}

static void fc6_refuses_values_out_of_range(void) {
    uint8_t pdu[5] = {0x06, 0x00, 0x10, 0x03, 0xE9}; /* 1001 > the setpoint maximum of 1000 */
    assert(send_pdu(pdu, sizeof(pdu)) == MB_OK);
    assert_exception(0x06, MB_EX_ILLEGAL_VALUE);
    assert(map.value[16] == 0);
}

static void fc16_writes_a_block(void) {
    uint8_t pdu[10] = {0x10, 0x00, 0x11, 0x00, 0x02, 0x04, 0x00, 0x0A, 0x00, 0x0B};
    assert(send_pdu(pdu, sizeof(pdu)) == MB_OK);
    assert(response_length == 12 && memcmp(response + 7, pdu, 5) == 0);
    assert(map.value[17] == 10 && map.value[18] == 11);
}

static void fc16_rejects_a_byte_count_mismatch(void) {
    uint8_t pdu[10] = {0x10, 0x00, 0x11, 0x00, 0x02, 0x06, 0x00, 0x0A, 0x00, 0x0B};
    assert(send_pdu(pdu, sizeof(pdu)) == MB_OK);
    assert_exception(0x10, MB_EX_ILLEGAL_VALUE);
    assert(map.value[17] == 0);
}

static void fc16_refuses_a_block_reaching_read_only_registers(void) {
    /* registers 15 (a process value) and 16 (a setpoint): nothing is written */
    uint8_t pdu[10] = {0x10, 0x00, 0x0F, 0x00, 0x02, 0x04, 0x00, 0x01, 0x00, 0x02};
    assert(send_pdu(pdu, sizeof(pdu)) == MB_OK);
    assert_exception(0x10, MB_EX_ILLEGAL_ADDRESS);
    assert(map.value[15] == 0 && map.value[16] == 0);
}

static void unsupported_function_codes_are_illegal(void) {
    const uint8_t codes[] = {0x01, 0x05, 0x08, 0x2B, 0x5A, 0x83};
    for (size_t i = 0; i < sizeof(codes); i++) {
        uint8_t pdu[5] = {codes[i], 0x00, 0x00, 0x00, 0x01};
        assert(send_pdu(pdu, sizeof(pdu)) == MB_OK);
        assert_exception(codes[i], MB_EX_ILLEGAL_FUNCTION);
    }
}

static void responses_never_exceed_the_adu_maximum(void) {
    uint8_t pdu[5] = {0x03, 0x00, 0x00, 0x00, MB_REGISTER_COUNT};
    assert(send_pdu(pdu, sizeof(pdu)) == MB_OK);
    assert(response_length == 9u + 2u * MB_REGISTER_COUNT && response_length <= MB_ADU_MAX);
    uint8_t request[MB_ADU_MAX];
    size_t length = frame(request, pdu, sizeof(pdu));
    uint8_t small[MB_ADU_MAX - 1];
    assert(mb_handle(&map, request, length, small, sizeof(small), &response_length) == MB_DROP);
}

struct test_case {
    const char *name;
    void (*run)(void);
};

static const struct test_case cases[] = {
    {"mbap_rejects_nonzero_protocol_id", mbap_rejects_nonzero_protocol_id},
    {"mbap_rejects_bad_length", mbap_rejects_bad_length},
    {"mbap_waits_for_a_complete_frame", mbap_waits_for_a_complete_frame},
    {"fc3_reads_the_register_map", fc3_reads_the_register_map},
    {"fc3_rejects_reads_outside_the_map", fc3_rejects_reads_outside_the_map},
    {"fc3_rejects_bad_quantities", fc3_rejects_bad_quantities},
    {"fc6_writes_a_setpoint", fc6_writes_a_setpoint},
    {"fc6_refuses_read_only_registers", fc6_refuses_read_only_registers},
    {"fc6_refuses_values_out_of_range", fc6_refuses_values_out_of_range},
    {"fc16_writes_a_block", fc16_writes_a_block},
    {"fc16_rejects_a_byte_count_mismatch", fc16_rejects_a_byte_count_mismatch},
    {"fc16_refuses_a_block_reaching_read_only_registers", fc16_refuses_a_block_reaching_read_only_registers},
    {"unsupported_function_codes_are_illegal", unsupported_function_codes_are_illegal},
    {"responses_never_exceed_the_adu_maximum", responses_never_exceed_the_adu_maximum},
};

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s CASE\n", argv[0]);
        return 2;
    }
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (strcmp(cases[i].name, argv[1]) == 0) {
            mb_map_init(&map);
            cases[i].run();
            return 0;
        }
    }
    fprintf(stderr, "unknown case %s\n", argv[1]);
    return 2;
}
