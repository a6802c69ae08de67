-- Folio's pandoc writer: one parse of an article becomes the JSON that pipeline/source.py
-- turns into the Article model. It returns each top-level block with its HTML and plain text,
-- so no format has to run pandoc again; footnotes are lifted out (every format places them
-- its own way) and replaced by a numbered reference.

local stringify = pandoc.utils.stringify

local function attrs_of(el)
  if el.attr then
    return el.attr.identifier, el.attr.classes, el.attr.attributes
  end
  return '', {}, {}
end

local function list(t)
  -- pandoc.List encodes as a JSON array even when empty; a bare {} would become an object.
  return pandoc.List(t)
end

local function plain_table(attributes)
  local t = {}
  for k, v in pairs(attributes or {}) do t[k] = v end
  return t
end

-- Code blocks are highlighted by Folio (pipeline/highlight.py), in every format from one style:
-- the HTML holds a marker for each, numbered into ``codes``, which Python replaces.
local codes, code_numbers = pandoc.List({}), {}

local function code_marker(el)
  local key = table.concat({ el.identifier, table.concat(el.classes, ' '),
                             el.attributes.startFrom or '', el.text }, '\0')
  local n = code_numbers[key]
  if not n then
    n = #codes + 1
    codes[n] = { code = el.text, id = el.identifier, classes = pandoc.List(el.classes),
                 start = tonumber(el.attributes.startFrom or '1') or 1 }
    code_numbers[key] = n
  end
  return pandoc.RawBlock('html', '<!--folio:code:' .. n .. '-->')
end

local function html_of(blocks, opts)
  local doc = pandoc.Pandoc(blocks):walk { CodeBlock = code_marker }
  return pandoc.write(doc, 'html5', opts)
end

-- Marks the boundary between top-level blocks in the one HTML write of the body.
local SEPARATOR = '<!--folio:block-->'

-- Split ``text`` at every occurrence of the plain string ``sep``, trimming the newlines
-- pandoc puts between blocks.
local function split(text, sep)
  local parts, start = {}, 1
  local function add(part) parts[#parts + 1] = (part:gsub('^\n+', ''):gsub('\n+$', '')) end
  while true do
    local from, to = text:find(sep, start, true)
    if not from then break end
    add(text:sub(start, from - 1))
    start = to + 1
  end
  add(text:sub(start))
  return parts
end

local plain_opts = pandoc.WriterOptions { wrap_text = 'wrap-none' }
local inline_text = { Para = true, Plain = true, Header = true }

-- Plain text of a block: stringify joins paragraphs of a quotation or cells of a table with no
-- space between them, so anything but a single run of inlines goes through the plain writer.
-- A formula stays TeX between dollars, as stringify leaves it in a paragraph: Python reads it
-- from the MathML (pipeline/math), where the plain writer's own conversion fails on \lim_{}
-- or \sum_{}^{} in display math and tells the user so, of a formula every output shows.
local tex_math = {
  Math = function(el)
    local fence = el.mathtype == 'DisplayMath' and '$$' or '$'
    return pandoc.Str(fence .. el.text .. fence)
  end,
}

local function plain_of(blocks)
  local doc = pandoc.Pandoc(blocks):walk(tex_math)
  return (pandoc.write(doc, 'plain', plain_opts):gsub('%s+$', ''))
end

local function text_of(block)
  if inline_text[block.t] then return stringify(block) end
  return plain_of({ block })
end

-- An image's alternative text as pandoc's HTML writer gives it: an explicit alt attribute
-- (`![](fig.png){alt="..."}`, as the Carpentries' lessons write) before the description.
local function alt_of(img)
  local alt = img.attributes.alt
  if alt and alt:match('%S') then return alt end
  return stringify(img.caption)
end

-- Where a note is called: pandoc's own markup for it, numbered in reading order.
local function note_marker(n)
  return '<a class="footnote-ref" id="fnref' .. n .. '" href="#fn' .. n ..
    '" role="doc-noteref"><sup>' .. n .. '</sup></a>'
end
local NOTE_MARKER = '^<a class="footnote%-ref" id="fnref%d+" href="#fn%d+" role="doc%-noteref">'
  .. '<sup>%d+</sup></a>$'

-- One block of the model; a div's blocks become its children, at any depth (columns inside a
-- columns div, citeproc's entries inside its reference list), so no content is out of reach.
local function item_of(block, html, opts)
  local id, classes, attributes = attrs_of(block)
  local item = {
    t = block.t,
    html = html,
    text = text_of(block),
    id = id,
    classes = list(classes or {}),
    attributes = plain_table(attributes),
    level = block.level or 0,
    keys = list({}),
    images = list({}),
  }
  if block.t == 'CodeBlock' then item.code = block.text end
  pandoc.Blocks({ block }):walk {
    Span = function(span)
      if span.classes:includes('key') then item.keys[#item.keys + 1] = stringify(span) end
    end,
    Image = function(img)
      item.images[#item.images + 1] = { src = img.src, alt = alt_of(img) }
    end,
    -- The author's own HTML: a format may have to mend it (pandoc's own is always valid, and
    -- so are Folio's note markers, which every paragraph with a footnote holds).
    RawInline = function(raw)
      if raw.format == 'html' and not raw.text:match(NOTE_MARKER) then item.raw = true end
    end,
    RawBlock = function(raw) if raw.format == 'html' then item.raw = true end end,
  }
  if block.t == 'Div' then
    item.children = list({})
    for _, child in ipairs(block.content) do
      item.children[#item.children + 1] = item_of(child, html_of({ child }, opts), opts)
    end
  end
  return item
end

-- Table cells break between words, and inside a word only where they must: in the handout, a
-- table whose longest words could not sit side by side across the text is marked for breaking
-- anywhere (base.css lets every cell do so on screen, where browsers measure it cheaply; slides
-- measure their own tables, pipeline/deck/tables.py). WeasyPrint finds the narrowest width of a
-- cell that may break anywhere by trying a break at every character, some 40 ms a table, and
-- such breaks are worse to read where whole words fit. The measure is in characters, counted
-- generously (a cell's paragraphs run together as one run of words): the handout's
-- text holds some 90 of a table's type.
local WRAP_ANYWHERE_CHARS = 70
local CELL_PADDING_CHARS = 3

local function longest_word(text)
  local longest = 0
  for word in text:gmatch('%S+') do longest = math.max(longest, utf8.len(word) or #word) end
  return longest
end

-- On paper a table stays whole on one page (base.css) unless it is long: one that cannot fit
-- the rest of a page would be pushed to the next, leaving a blank page behind it (a Word
-- form laid out as one big table left page after page empty). Half a handout page or more,
-- counted in rows or words, may break between its rows instead (paper.css).
local LONG_TABLE_ROWS = 16
local LONG_TABLE_WORDS = 220

-- A pipe table wider than pandoc's columns gets widths from its dashes: the Rust book's
-- operator table drew "---------" over "Overloadable?", 8% of the width, and its trait names
-- (PartialEq, BitXorAssign) broke after every few letters beside a half-empty column. A column
-- given less than its longest word needs gets that share, taken from the columns with room.
local TABLE_LINE_CHARS = 90

local function widen_narrow_columns(tbl, longest)
  local given, needed, short = {}, {}, false
  local need_total = 0
  for column, spec in ipairs(tbl.colspecs) do
    local width = spec[2]
    if type(width) ~= 'number' or width <= 0 then return false end
    given[column] = width
    needed[column] = ((longest[column] or 0) + CELL_PADDING_CHARS) / TABLE_LINE_CHARS
    need_total = need_total + needed[column]
    if width < needed[column] then short = true end
  end
  if not short or need_total > 1 then return false end
  -- The columns short of their need get it; the others keep their share of what is left,
  -- never less than their own need.
  local total, fixed, spare = 0, 0, 0
  for column, width in ipairs(given) do
    total = total + width
    if width < needed[column] then fixed = fixed + needed[column] else spare = spare + width end
  end
  local scale = (total - fixed) / spare
  for column, spec in ipairs(tbl.colspecs) do
    local width = given[column] < needed[column] and needed[column]
                  or math.max(needed[column], given[column] * scale)
    tbl.colspecs[column] = { spec[1], width }
  end
  return true
end

local function mark_wide_table(tbl)
  local widths = {}
  local rows_seen, words = 0, 0
  local function measure(rows)
    for _, row in ipairs(rows) do
      rows_seen = rows_seen + 1
      for column, cell in ipairs(row.cells) do
        local text = stringify(cell.contents)
        widths[column] = math.max(widths[column] or 0, longest_word(text))
        for _ in text:gmatch('%S+') do words = words + 1 end
      end
    end
  end
  measure(tbl.head.rows)
  for _, body in ipairs(tbl.bodies) do
    measure(body.head)
    measure(body.body)
  end
  measure(tbl.foot.rows)
  local total = 0
  for _, width in pairs(widths) do total = total + width + CELL_PADDING_CHARS end
  local marked = widen_narrow_columns(tbl, widths)
  if total > WRAP_ANYWHERE_CHARS then
    tbl.classes:insert('wrap-anywhere')
    marked = true
  end
  if rows_seen >= LONG_TABLE_ROWS or words >= LONG_TABLE_WORDS then
    tbl.classes:insert('long')
    marked = true
  end
  if marked then return tbl end
end

-- A task list's boxes ("- [ ] to do", "- [x] done"), which pandoc reads as these characters.
-- Its HTML writer turns them back into disabled checkboxes, which no ebook may hold and no
-- handout or slide draws: written as characters in a span, every format shows them, and a
-- screen reader says "ballot box". A list of boxes only is wrapped to go without its bullets.
local TASK_BOXES = { ['\u{2610}'] = true, ['\u{2612}'] = true }

local function task_list(list)
  local boxed = 0
  for _, item in ipairs(list.content) do
    local first = item[1]
    local inlines = first and (first.t == 'Plain' or first.t == 'Para') and first.content
    if inlines and inlines[1] and inlines[1].t == 'Str' and TASK_BOXES[inlines[1].text]
        and inlines[2] and inlines[2].t == 'Space' then
      inlines[1] = pandoc.Span({ inlines[1] }, pandoc.Attr('', { 'task-box' }))
      boxed = boxed + 1
    end
  end
  if boxed == #list.content then return pandoc.Div({ list }, pandoc.Attr('', { 'task-list' })) end
  if boxed > 0 then return list end
end

-- Characters no output may hold (XML forbids them, HTML calls them parse errors): the C0
-- controls but tab and newline, DEL, the C1 controls, and the noncharacters U+FFFE and U+FFFF.
-- The body's own are removed before pandoc reads it; these come from character references
-- such as "&#x4;", which pandoc decodes.
local CONTROLS = { '[\0-\8\11\12\14-\31\127]', '\194[\128-\159]', '\239\191[\190\191]' }

local function without_controls(doc)
  local removed = 0
  local function clean(text)
    for _, pattern in ipairs(CONTROLS) do
      local n
      text, n = text:gsub(pattern, '')
      removed = removed + n
    end
    return text
  end
  local function clean_text(el)
    el.text = clean(el.text)
    return el
  end
  local function clean_target(el)
    if el.src then el.src = clean(el.src) else el.target = clean(el.target) end
    el.title = clean(el.title)
    return el
  end
  doc = doc:walk {
    Str = clean_text, Code = clean_text, CodeBlock = clean_text, Math = clean_text,
    RawInline = clean_text, RawBlock = clean_text, Link = clean_target, Image = clean_target,
  }
  return doc, removed
end

-- A Quarto or R Markdown code cell (pipeline/source.py marks its block "folio-cell"): the
-- "#|" option lines that open it are for Quarto, not the reader, and a cell whose code is
-- not shown there (echo or include false; Folio runs no code, so there is no output to keep)
-- is left out.
-- An option line opens with the language's comment and a bar (#| in R and Python, //| in
-- JavaScript); a long value continues on more such lines (fig-alt: | and its text).
local CELL_OPTION = '^%s*[#/%-%%]+|'
local OPTION = '^%s*[#/%-%%]+|%s*([%w%-]+)%s*:%s*(.-)%s*$'
local NOT_SHOWN = { ['false'] = true, ['False'] = true, FALSE = true, no = true }

local function code_cell(el)
  if not el.classes:includes('folio-cell') then return nil end
  local hidden = el.classes:includes('folio-hidden')
  el.classes = el.classes:filter(function(c) return c ~= 'folio-cell' and c ~= 'folio-hidden' end)
  local lines = pandoc.List({})
  local in_options = true
  for line in (el.text .. '\n'):gmatch('(.-)\n') do
    if in_options and line:match(CELL_OPTION) then
      local key, value = line:match(OPTION)
      if (key == 'echo' or key == 'include') and NOT_SHOWN[value] then hidden = true end
    else
      in_options = false
      lines:insert(line)
    end
  end
  if hidden then return {} end
  el.text = table.concat(lines, '\n')
  return el
end

-- Display math that breaks lines (\\) outside any environment: MathJax and pandoc's MathML
-- need the rows inside one (d2l writes "\mathbf{Q} = ..., \\ \mathbf{K} = ..."), and failed
-- on it in every format. It becomes "aligned" when its rows align at &, else "gathered".
local function top_level_breaks(tex)
  local depth, i, ampersand, breaks = 0, 1, false, false
  while i <= #tex do
    local c = tex:sub(i, i)
    if c == '\\' then
      local rest = tex:sub(i + 1)
      if rest:sub(1, 1) == '\\' then
        breaks = breaks or depth == 0
      elseif rest:match('^begin%s*{') then
        depth = depth + 1
      elseif rest:match('^end%s*{') then
        depth = depth - 1
      end
      i = i + 2  -- past the backslash and the character it escapes (\& is not a column)
    else
      if c == '&' and depth == 0 then ampersand = true end
      -- A group ({...}, \substack's rows) holds its own line breaks, as an environment does.
      if c == '{' then depth = depth + 1 end
      if c == '}' then depth = depth - 1 end
      i = i + 1
    end
  end
  return breaks, ampersand
end

-- TeX's old font switches ({\rm features}, {\bf x}: the Python Data Science Handbook's
-- formulas), which MathJax reads and pandoc's MathML conversion does not ("unexpected
-- control sequence"): written as the commands that replaced them.
local FONT_SWITCHES = { rm = 'mathrm', bf = 'mathbf', it = 'mathit', sf = 'mathsf',
                        tt = 'mathtt', cal = 'mathcal' }

local function modern_fonts(tex)
  local out, i = {}, 1
  while true do
    local start, stop, name = tex:find('{%s*\\(%a+)%s*', i)
    if not start then break end
    local command = FONT_SWITCHES[name]
    -- The group's end, past any groups it holds ({\rm P(x_{1})}).
    local depth, j = 1, stop + 1
    while command and j <= #tex and depth > 0 do
      local c = tex:sub(j, j)
      if c == '\\' then j = j + 1
      elseif c == '{' then depth = depth + 1
      elseif c == '}' then depth = depth - 1 end
      j = j + 1
    end
    if command and depth == 0 then
      out[#out + 1] = tex:sub(i, start - 1) .. '\\' .. command .. '{' .. tex:sub(stop + 1, j - 2)
                      .. '}'
      i = j
    else
      out[#out + 1] = tex:sub(i, stop)
      i = stop + 1
    end
  end
  out[#out + 1] = tex:sub(i)
  return table.concat(out)
end

local function display_rows(el)
  if el.mathtype ~= 'DisplayMath' or not el.text:find('\\\\', 1, true) then return nil end
  local breaks, ampersand = top_level_breaks(el.text)
  if not breaks then return nil end
  local env = ampersand and 'aligned' or 'gathered'
  el.text = '\\begin{' .. env .. '}' .. el.text .. '\\end{' .. env .. '}'
  return el
end

-- d2l's chapters (and Sphinx/MyST pages) write roles, :name:`target`, which pandoc reads as
-- the words ":label:" before inline code. Folio has no use for them: a label or a width is an
-- instruction, left out; a reference (:numref:, :eqref:, :cite:) keeps its target's name.
-- ``roles`` counts them by name, for one warning an article (pipeline/source.py).
local roles = {}
local ROLE = '^(.-):([%l_]+):$'
local INSTRUCTIONS = { label = true, eqlabel = true, width = true, height = true,
                       begin_tab = true }
local LONE_MARKS = { [':end_tab:'] = 'end_tab', [':begin_tab:'] = 'begin_tab' }

local function without_roles(inlines)
  local out, i, found = pandoc.Inlines({}), 1, false
  while i <= #inlines do
    local el, following = inlines[i], inlines[i + 1]
    local before, name
    if el.t == 'Str' then before, name = el.text:match(ROLE) end
    if name and following and following.t == 'Code' then
      found = true
      roles[name] = (roles[name] or 0) + 1
      if before ~= '' then out:insert(pandoc.Str(before)) end
      if not INSTRUCTIONS[name] then out:insert(following) end
      i = i + 2
    elseif el.t == 'Str' and LONE_MARKS[el.text] then
      found = true
      roles[LONE_MARKS[el.text]] = (roles[LONE_MARKS[el.text]] or 0) + 1
      i = i + 1
    else
      out:insert(el)
      i = i + 1
    end
  end
  if not found then return nil end
  -- No space left where a label stood, at either end or twice over.
  while #out > 0 and (out[#out].t == 'Space' or out[#out].t == 'SoftBreak') do out:remove() end
  while #out > 0 and (out[1].t == 'Space' or out[1].t == 'SoftBreak') do out:remove(1) end
  return out
end

local function paragraph_roles(el)
  local content = without_roles(el.content)
  if not content then return nil end
  if #content == 0 then return {} end
  -- An image with its label under it, alone once the label is gone, is a figure, as pandoc
  -- makes of an image alone in its paragraph.
  if el.t == 'Para' and #content == 1 and content[1].t == 'Image' then
    return pandoc.Figure(pandoc.Plain(content), { pandoc.Plain(content[1].caption) })
  end
  el.content = content
  return el
end

-- A Quarto callout (::: callout-note, or {.callout-tip title="..."}) is a box whose title
-- opens it: the title attribute, else the heading it starts with ("## magrittr"), which as a
-- heading would otherwise enter the outline and start a slide. The title becomes a bold
-- first line, the box a div "callout" that base.css draws in every format. A callout without
-- a title is titled by its kind, as Quarto does ("Note", "Tip"): the words, in the article's
-- language, come from pipeline/i18n.py as variables folio-callout-note..., and the language
-- they are in as folio-callout-lang when it is not the article's.
local callout_words = {}

local function callout(el)
  local kind
  for _, class in ipairs(el.classes) do
    kind = kind or class:match('^callout%-(%a+)$') or (class == 'callout' and 'note' or nil)
  end
  if not kind then return nil end
  local title
  if el.attributes.title then  -- Markdown, as Quarto reads it
    local read = pandoc.read(el.attributes.title, 'markdown-smart').blocks[1]
    title = read and read.content or nil
    el.attributes.title = nil
  end
  local content = el.content
  if not title and content[1] and content[1].t == 'Header' then
    title = content[1].content
    content = pandoc.Blocks({ table.unpack(content, 2) })
  end
  if (not title or #title == 0) and callout_words[kind] then
    title = pandoc.Inlines({ pandoc.Str(callout_words[kind]) })
    if callout_words.lang then
      title = pandoc.Inlines({ pandoc.Span(title, { lang = callout_words.lang, dir = 'ltr' }) })
    end
  end
  if title and #title > 0 then
    content = pandoc.Blocks({ pandoc.Para({ pandoc.Strong(title) }), table.unpack(content) })
  end
  el.content = content
  el.classes = pandoc.List({ 'callout', 'callout-' .. kind })
  return el
end

-- Components of other tools' Markdown (mdBook's <Listing number="8-1" file-name="src/main.rs"
-- caption="...">, MDX's and Vue's) open and close in paragraphs of their own around Markdown.
-- pandoc knows no such element: it leaves each tag as raw HTML, and the page held an empty
-- paragraph, an obsolete <listing> around the code and its caption in an attribute no reader
-- sees. Such a pair becomes a div (class: the tag's name) around the blocks, with the caption
-- and file name as a line of text; other attributes become data-*.
local function lone_tag(block)
  if block.t ~= 'Para' or #block.content ~= 1 or block.content[1].t ~= 'RawInline'
      or block.content[1].format ~= 'html' then
    return nil
  end
  local text = block.content[1].text
  local closing = text:match('^</([%a][%w%-]*)%s*>$')
  if closing then return closing:lower(), true end
  local name, rest = text:match('^<([%a][%w%-]*)(.-)>$')
  if not name or rest:match('/%s*$') or name:lower() == 'div' then return nil end
  local attributes = {}
  for key, _, value in rest:gmatch('([%a_:][%w_:%.%-]*)%s*=%s*(["\'])(.-)%2') do
    attributes[key:lower()] = value
  end
  return name:lower(), false, name, attributes
end

local function component(name, attributes, content)
  -- One line below the blocks, as mdBook sets it: "Listing 8-1: caption (src/main.rs)". Not
  -- on slides: there it stood alone after each code slide (one bullet), or above the code took
  -- the place of the author's own sentence introducing it ("..., shown in Listing 8-1.").
  local label = pandoc.Inlines {}
  if attributes.number then label:insert(pandoc.Str(name .. '\u{a0}' .. attributes.number)) end
  if attributes.caption then
    local caption = pandoc.read(attributes.caption, 'markdown').blocks
    if #label > 0 then
      label[#label].text = label[#label].text .. ':'
      label:insert(pandoc.Space())
    end
    label:extend(caption[1] and caption[1].content or pandoc.Inlines {})
  end
  local file = attributes['file-name']
  if file and #label > 0 then
    label:extend { pandoc.Space(), pandoc.Str('('), pandoc.Code(file), pandoc.Str(')') }
  elseif file then
    label:extend { pandoc.Str('Filename:'), pandoc.Space(), pandoc.Code(file) }
  end
  local blocks = pandoc.Blocks(content)
  if #label > 0 then
    blocks:insert(pandoc.Div({ pandoc.Para(label) }, pandoc.Attr('', { 'no-slides' })))
  end
  local kept = {}
  for key, value in pairs(attributes) do
    if key ~= 'file-name' and key ~= 'caption' then kept[key] = value end
  end
  return pandoc.Div(blocks, pandoc.Attr('', { name:lower() }, kept))
end

local function components(blocks)
  local out, i = pandoc.Blocks {}, 1
  while i <= #blocks do
    local name, closing, written, attributes = lone_tag(blocks[i])
    local close = nil
    if name and not closing then
      local depth = 0
      for j = i + 1, #blocks do
        local other, other_closing = lone_tag(blocks[j])
        if other == name then
          if not other_closing then depth = depth + 1
          elseif depth == 0 then close = j break
          else depth = depth - 1 end
        end
      end
    end
    if close then
      local content = pandoc.Blocks {}
      for j = i + 1, close - 1 do content:insert(blocks[j]) end
      out:insert(component(written, attributes, components(content)))
      i = close + 1
    else
      out:insert(blocks[i])
      i = i + 1
    end
  end
  return out
end

-- The JSON of one article's parse.
local function article_json(doc, opts)
  codes, code_numbers, roles = pandoc.List({}), {}, {}
  local notes = list({})
  local images = list({})
  local controls = 0
  -- Python asks for this walk (a fifth of the writer's time) only for a body holding a
  -- character reference, the one way a control character can still reach here.
  if opts.variables['folio-controls'] then doc, controls = without_controls(doc) end
  callout_words = {}
  for name, word in pairs(opts.variables) do
    local kind = name:match('^folio%-callout%-(%a+)$')
    if kind then callout_words[kind] = tostring(word) end
  end
  -- Python asks for this walk only when a line holds nothing but a closing tag.
  if opts.variables['folio-components'] then doc = doc:walk { Blocks = components } end

  -- Number notes in reading order and leave a marker Folio's templates can recognise; mark the
  -- tables whose cells must break words to fit on paper.
  doc = doc:walk {
    Note = function(el)
      local n = #notes + 1
      -- A note of several blocks (paragraphs, code, a list) keeps them apart in its text.
      notes[n] = { number = n, html = html_of(el.content, opts), text = plain_of(el.content) }
      return pandoc.RawInline('html', note_marker(n))
    end,
    Table = mark_wide_table,
    BulletList = task_list,
    CodeBlock = code_cell,
    Math = function(el)
      el.text = modern_fonts(el.text)
      return display_rows(el) or el
    end,
    Div = callout,
    Para = paragraph_roles,
    Plain = paragraph_roles,
    Header = function(el)
      local content = without_roles(el.content)
      if content then el.content = content return el end
    end,
  }
  doc:walk {
    Image = function(el)
      images[#images + 1] = { src = el.src, alt = alt_of(el) }
    end,
  }

  -- One HTML write for the whole body, split at markers: a write per block costs far more.
  local marked = {}
  for i, block in ipairs(doc.blocks) do
    if i > 1 then marked[#marked + 1] = pandoc.RawBlock('html', SEPARATOR) end
    marked[#marked + 1] = block
  end
  local html_parts = split(html_of(marked, opts), SEPARATOR)

  local blocks = list({})
  for i, block in ipairs(doc.blocks) do
    blocks[#blocks + 1] = item_of(block, html_parts[i], opts)
  end

  -- The cross-reference filter's labels ("sec-x" -> "Section 2") and the ids it lacked.
  local crossref = doc.meta['folio-crossref'] or {}
  local labels = {}
  for id, text in pairs(crossref.labels or {}) do labels[#labels + 1] = { id, stringify(text) } end
  table.sort(labels, function(a, b) return a[1] < b[1] end)
  local missing = list({})
  for _, id in ipairs(crossref.missing or {}) do missing[#missing + 1] = stringify(id) end
  return pandoc.json.encode { blocks = blocks, notes = notes, images = images, controls = controls,
                             codes = codes, roles = roles, labels = list(labels),
                             missing = missing }
end

-- One article, or with the variable folio-batch (the format to read) several: each body is a
-- raw block of the document pandoc was given, read here, and the result is a JSON array. Starting
-- pandoc's Lua writer costs more than parsing an article (pipeline/batch.py).
function Writer(doc, opts)
  local batch = opts.variables['folio-batch']
  if not batch then return article_json(doc, opts) end
  local format = tostring(batch)
  -- As pandoc's command line reads: its --columns sets the reader's too (pipe tables wider
  -- than that get column widths), where pandoc.read alone would assume 80.
  local reader_options = { columns = opts.columns, tab_stop = opts.tab_stop }
  local parses = {}
  for i, block in ipairs(doc.blocks) do
    parses[i] = article_json(pandoc.read(block.text, format, reader_options), opts)
  end
  return '[' .. table.concat(parses, ',') .. ']'
end
