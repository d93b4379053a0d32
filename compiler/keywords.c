/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * keywords.c - keyword lookup and the syntax of names.
 */
#include <string.h>

#include "keywords.h"

static const char *const pol_keyword_words[] = {
#define POL_KEYWORD_WORD(tok, word) word,
	POL_KEYWORDS(POL_KEYWORD_WORD)
#undef POL_KEYWORD_WORD
};

int pol_keyword_find(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(pol_keyword_words) / sizeof(*pol_keyword_words); i++)
		if (!strcmp(s, pol_keyword_words[i]))
			return (int)i;
	return -1;
}

static bool pol_name_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool pol_name_valid(const char *s)
{
	size_t i;

	if (!pol_name_start(s[0]))
		return false;
	for (i = 1; s[i]; i++)
		if (!pol_name_start(s[i]) && !(s[i] >= '0' && s[i] <= '9') && s[i] != '-')
			return false;
	return pol_keyword_find(s) < 0;
}
