-- Turns one of tend's docs pages (docs/*.md: "# title", then "## Section"s)
-- into a man page's shape for pandoc's man writer: the title goes to the
-- header line, a NAME section comes first (from the metadata `name_line`),
-- text before the first section becomes DESCRIPTION, "##" sections become
-- .SH (upper case, as man pages write them) and "###" .SS; links keep only
-- their text (a man page cannot follow docs/tend.md#syslog), web addresses
-- their address too.

local function plain(inlines)
  return pandoc.utils.stringify(inlines)
end

function Link(el)
  local target = el.target
  if target:match("^https?://") and plain(el.content) ~= target then
    local out = el.content
    out:insert(pandoc.Str(" <" .. target .. ">"))
    return out
  end
  return el.content
end

-- A table of docs/ becomes a list, the man way (.TP): the first cell is the
-- term; the others follow it, the middle ones labelled with their column's
-- heading ("Environment: TEND_GRACE."), the last as the text. Wide tables
-- do not fit a terminal's 80 columns.
local function cell_inlines(cell)
  return pandoc.utils.blocks_to_inlines(cell.contents)
end

function Table(el)
  local heads = {}
  if #el.head.rows > 0 then
    for i, c in ipairs(el.head.rows[1].cells) do heads[i] = plain(c.contents) end
  end
  local items = pandoc.List()
  for _, body in ipairs(el.bodies) do
    for _, row in ipairs(body.body) do
      local cells = row.cells
      local term = cell_inlines(cells[1])
      local labels = pandoc.List()
      for i = 2, #cells - 1 do
        local text = cell_inlines(cells[i])
        if plain(text) ~= "" then
          labels:insert(pandoc.Strong(pandoc.Str((heads[i] or "") .. ":")))
          labels:insert(pandoc.Space())
          labels:extend(text)
          labels:insert(pandoc.Str("."))
          labels:insert(pandoc.Space())
        end
      end
      local def = pandoc.List()
      if #labels > 0 then def:insert(pandoc.Plain(labels)) end
      if #cells > 1 then def:extend(cells[#cells].contents) end
      items:insert({term, {def}})
    end
  end
  return pandoc.DefinitionList(items)
end

function Pandoc(doc)
  local blocks = pandoc.List()
  local name_line = plain(doc.meta.name_line or "")
  blocks:insert(pandoc.Header(1, "NAME"))
  blocks:insert(pandoc.Para(pandoc.Str(name_line)))
  local seen_section = false
  local described = false
  for _, b in ipairs(doc.blocks) do
    if b.t == "Header" and b.level == 1 then
      -- the page's title: already in the header line
    elseif b.t == "Header" then
      seen_section = true
      local level = b.level - 1
      local content = b.content
      if level == 1 then content = pandoc.Str(plain(b.content):upper()) end
      blocks:insert(pandoc.Header(level, content, b.attr))
    else
      if not seen_section and not described then
        blocks:insert(pandoc.Header(1, "DESCRIPTION"))
        described = true
      end
      blocks:insert(b)
    end
  end
  return pandoc.Pandoc(blocks, doc.meta)
end
