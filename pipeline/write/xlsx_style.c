/* xlsx_style.c - the house formats (cells: xlsx_book.c; zip level:
 * xlsx_zip.c). */
#include "xlsx_style.h"

#define HEADING_FILL 0xDCE6F1
#define NOTE_GREY 0x595959
/* Numbers end a space short of the cell's right edge ("_)" is the width of
 * a ")"), so a number never runs into the text of the next column. */
#define FTE_FORMAT "#,##0.00_)"
#define COUNT_FORMAT "#,##0_)"
#define PCT_FORMAT "0.0%_)"

/* A new bold, shaded, bordered, wrapped heading format. */
static lxw_format *heading(lxw_workbook *wb)
{
    lxw_format *f = workbook_add_format(wb);
    format_set_bold(f);
    format_set_bg_color(f, HEADING_FILL);
    format_set_bottom(f, LXW_BORDER_THIN);
    format_set_text_wrap(f);
    format_set_align(f, LXW_ALIGN_VERTICAL_TOP);
    return f;
}

/* A new number format (num_format if given), bold and ruled above if total. */
static lxw_format *numeric(lxw_workbook *wb, const char *num_format, int total)
{
    lxw_format *f = workbook_add_format(wb);
    if (num_format)
        format_set_num_format(f, num_format);
    if (total) {
        format_set_bold(f);
        format_set_top(f, LXW_BORDER_THIN);
    }
    return f;
}

/* Add the house formats to wb (the workbook owns them). */
void xlsx_style_add(lxw_workbook *wb, esr_xlsx_style *st)
{
    st->bold = workbook_add_format(wb);
    format_set_bold(st->bold);
    st->heading = heading(wb);
    st->heading_num = heading(wb); /* over a column of numbers */
    format_set_align(st->heading_num, LXW_ALIGN_RIGHT);
    format_set_indent(st->heading_num, 1); /* clear of the heading to its right */
    st->title = workbook_add_format(wb);
    format_set_bold(st->title);
    format_set_font_size(st->title, 14);
    st->fte = numeric(wb, FTE_FORMAT, 0); /* 2 dp on screen, full precision in the cell */
    st->count = numeric(wb, COUNT_FORMAT, 0);
    st->pct = numeric(wb, PCT_FORMAT, 0);
    st->note = workbook_add_format(wb);
    format_set_italic(st->note);
    format_set_font_color(st->note, NOTE_GREY);
    st->total = numeric(wb, NULL, 1);
    st->total_fte = numeric(wb, FTE_FORMAT, 1);
    st->total_count = numeric(wb, COUNT_FORMAT, 1);
    st->total_pct = numeric(wb, PCT_FORMAT, 1);
    st->wrap = workbook_add_format(wb); /* bottom-aligned like the row's other cells */
    format_set_text_wrap(st->wrap);
    st->count_left = numeric(wb, "#,##0", 0);
    format_set_align(st->count_left, LXW_ALIGN_LEFT);
    st->fte_left = numeric(wb, "#,##0.00", 0);
    format_set_align(st->fte_left, LXW_ALIGN_LEFT);
}
