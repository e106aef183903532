/* settings_table.h - private: the table gf_settings_gen writes at build time
 * from data/machine-settings.tsv (see settings_gen.c). Only settings.c reads
 * it; everyone else goes through gf/settings.h. */
#ifndef GF_SETTINGS_TABLE_H
#define GF_SETTINGS_TABLE_H

#include <stddef.h>

#include "gf/settings.h"

extern const gf_setting gf_settings_table[];
extern const size_t gf_settings_table_len;

#endif
