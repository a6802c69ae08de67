-- Folio's cross-references, in Quarto's syntax: ids {#fig-x}, {#tbl-x}, {#eq-x}, {#sec-x}
-- number figures, tables, display equations and sections; "@fig-x" becomes a link reading
-- "Figure 1". It runs in the one parse, before --citeproc, so citeproc never sees these keys.
-- An id this article lacks may be another article's: it is left as a placeholder link, and
-- the labels this article has (id -> "Figure 1") and the ids it lacks go to Python as metadata
-- folio-crossref (pipeline/crossrefs.py resolves them across the build, or warns). The words
-- ("Figure", "Abbildung") come from pipeline/i18n.py as metadata crossref-fig, crossref-tbl...

local stringify = pandoc.utils.stringify
local KINDS = { fig = true, tbl = true, eq = true, sec = true }
local numbers = {}   -- id -> number text ("1", "2.1")
local counts = { fig = 0, tbl = 0, eq = 0 }
local words = {}

local function kind_of(id)
  local prefix = id:match('^(%a+)%-')
  return prefix and KINDS[prefix] and prefix or nil
end

-- "Figure 1"; where the word has a "#", the number stands there instead ("第#节": "第1节").
local function named(word, number)
  local at = word:find('#', 1, true)
  if at then return word:sub(1, at - 1) .. number .. word:sub(at + 1) end
  return word .. '\u{a0}' .. number
end

-- Caption prefix "Figure 1: " (a caption's first inlines).
local function numbered_caption(kind, number, caption)
  local label = pandoc.Inlines { pandoc.Str(named(words[kind], number) .. ':') }
  if caption and #caption.long > 0 and caption.long[1].content then
    local first = caption.long[1]
    first.content = label .. pandoc.Inlines { pandoc.Space() } .. first.content
  else
    caption.long = pandoc.Blocks { pandoc.Plain(label) }
  end
  return caption
end

local function number_of(kind, id)
  counts[kind] = counts[kind] + 1
  numbers[id] = tostring(counts[kind])
  return numbers[id]
end

-- A display equation followed by "{#eq-x}" becomes a span holding it and its number.
local function equations(inlines)
  local out, i = pandoc.Inlines {}, 1
  while i <= #inlines do
    local el = inlines[i]
    local j = i + 1
    while inlines[j] and (inlines[j].t == 'Space' or inlines[j].t == 'SoftBreak') do j = j + 1 end
    local label = inlines[j] and inlines[j].t == 'Str' and inlines[j].text:match('^{#(eq%-[%w_:%.%-]+)}$')
    if el.t == 'Math' and el.mathtype == 'DisplayMath' and label then
      local number = number_of('eq', label)
      out:insert(pandoc.Span({ el, pandoc.Span({ pandoc.Str('(' .. number .. ')') },
                                               { class = 'equation-number' }) },
                             { id = label, class = 'equation' }))
      i = j + 1
    else
      out:insert(el)
      i = i + 1
    end
  end
  return out
end

local section_counts = {}

-- A handler numbering a figure or table whose id has ``kind``'s prefix, in its caption.
local function numbered(kind)
  return function(el)
    if kind_of(el.identifier) == kind then
      el.caption = numbered_caption(kind, number_of(kind, el.identifier), el.caption)
      return el
    end
  end
end

local function number_blocks(blocks)
  return blocks:walk {
    traverse = 'topdown',
    Header = function(el)
      section_counts[el.level] = (section_counts[el.level] or 0) + 1
      for level = el.level + 1, 9 do section_counts[level] = nil end
      if kind_of(el.identifier) == 'sec' then
        local parts = {}
        for level = 1, el.level do parts[#parts + 1] = tostring(section_counts[level] or 0) end
        -- Leading zeros of unnumbered upper levels (an article starting at ##) are dropped.
        numbers[el.identifier] = (table.concat(parts, '.'):gsub('^[0.]+%.', ''))
      end
    end,
    Figure = numbered('fig'),
    Table = numbered('tbl'),
    Inlines = equations,
  }
end

local function label_of(kind, number)
  local text = kind == 'eq' and '(' .. number .. ')' or named(words[kind], number)
  if kind == 'eq' and words.eq ~= '' then text = named(words.eq, text) end
  return text
end

local missing = {}

local function resolve(blocks)
  return blocks:walk {
    Cite = function(el)
      local links = pandoc.Inlines {}
      for index, citation in ipairs(el.citations) do
        local kind = kind_of(citation.id)
        if not kind then return nil end  -- a bibliographic citation: citeproc's
        local number = numbers[citation.id]
        if index > 1 then links:insert(pandoc.Str(',')) links:insert(pandoc.Space()) end
        if number then
          links:insert(pandoc.Link(label_of(kind, number), '#' .. citation.id, '',
                                   { class = 'crossref' }))
        else
          -- Shown as Quarto shows it until another article of the build is found to have it
          -- (and kept from citeproc, which would warn again).
          missing[#missing + 1] = citation.id
          links:insert(pandoc.Link({ pandoc.Strong { pandoc.Str('?@' .. citation.id) } },
                                   '#' .. citation.id, '',
                                   { class = 'crossref', ['data-folio-ref'] = citation.id }))
        end
      end
      return links
    end,
  }
end

function Pandoc(doc)
  for kind in pairs(KINDS) do
    words[kind] = stringify(doc.meta['crossref-' .. kind] or '')
  end
  doc.blocks = resolve(number_blocks(doc.blocks))
  local labels = {}
  for id, number in pairs(numbers) do labels[id] = label_of(kind_of(id), number) end
  doc.meta['folio-crossref'] = { labels = labels, missing = missing }
  return doc
end
