-- Headless Neovim test of editors/nvim against the real planls server.
--   PLANLS_BIN=path/to/planls nvim --headless -u NONE -c "luafile tests/editors/nvim_test.lua"
-- Optional: PLANLS_EXAMPLE=<a clean planning folder> (default: the first
-- folder under examples/.engineering/artifacts/planning/).
-- Copies the example folder (with its planning root's other files) into a
-- temporary workspace, plants one defect
-- (an invalid **Priority:** in the first plan), opens it through
-- require("planls").setup{} and asserts what the server answers. Prints one
-- line per check and "N passed, N failed"; exits non-zero on any failure.

local results = { passed = 0, failed = 0 }

local function out(s)
  io.stdout:write(s .. "\n")
  io.stdout:flush()
end

local function check(name, ok, detail)
  if ok then
    results.passed = results.passed + 1
    out("ok - " .. name)
  else
    results.failed = results.failed + 1
    out("not ok - " .. name .. (detail and (": " .. detail) or ""))
  end
  return ok
end

local function finish()
  out(string.format("%d passed, %d failed", results.passed, results.failed))
  if results.failed > 0 then
    vim.cmd("cquit 1")
  else
    vim.cmd("qall!")
  end
end

-- Never hang: the whole test gets 90 seconds.
local watchdog = vim.loop.new_timer()
watchdog:start(90000, 0, vim.schedule_wrap(function()
  check("finished within 90 s", false, "timed out")
  finish()
end))

local script = debug.getinfo(1, "S").source:sub(2)
local repo = vim.fn.fnamemodify(script, ":p:h:h:h")
local bin = os.getenv("PLANLS_BIN")
local example = os.getenv("PLANLS_EXAMPLE")

local function readfile(path)
  local f = io.open(path, "rb")
  if not f then
    return nil
  end
  local s = f:read("*a")
  f:close()
  return s
end

local function writefile(path, s)
  local f = assert(io.open(path, "wb"))
  f:write(s)
  f:close()
end

local function sh(cmd)
  local o = vim.fn.system(cmd)
  assert(vim.v.shell_error == 0, cmd .. " failed: " .. o)
  return o
end

local function basename(p)
  return vim.fn.fnamemodify(p, ":t")
end

-- Sorted `.md` file names of a folder.
local function md_files(dir)
  local names = {}
  for _, p in ipairs(vim.fn.globpath(dir, "*.md", false, true)) do
    table.insert(names, basename(p))
  end
  table.sort(names)
  return names
end

-- Every item of a textDocument/completion result.
local function completion_items(result)
  if result == nil or result == vim.NIL then
    return {}
  end
  if result.items then
    return result.items
  end
  return result
end

-- URIs of a textDocument/definition result (Location, Location[] or
-- LocationLink[]).
local function location_uris(result)
  local uris = {}
  if result == nil or result == vim.NIL then
    return uris
  end
  if result.uri or result.targetUri then
    result = { result }
  end
  for _, l in ipairs(result) do
    table.insert(uris, l.targetUri or l.uri)
  end
  return uris
end

local provider = {
  ["textDocument/completion"] = "completionProvider",
  ["textDocument/definition"] = "definitionProvider",
  ["textDocument/codeAction"] = "codeActionProvider",
}

-- The result of a request to the planls client, or nil and an error text.
local function request(bufnr, method, params)
  local cap = provider[method]
  for _, client in pairs(vim.lsp.buf_get_clients(bufnr)) do
    local caps = client.server_capabilities or {}
    if cap and (caps[cap] == nil or caps[cap] == false) then
      return nil, "the server does not advertise " .. cap .. " (feature not implemented)"
    end
  end
  local res, err = vim.lsp.buf_request_sync(bufnr, method, params, 8000)
  if not res then
    return nil, "no answer: " .. tostring(err)
  end
  for _, r in pairs(res) do
    if r.err then
      return nil, "error " .. vim.inspect(r.err)
    end
    return r.result, nil
  end
  return nil, "no client answered"
end

-- UTF-16 column of byte offset `col` (0-based) in `line`.
local function utf16_col(line, col)
  local _, u16 = vim.str_utfindex(line, col)
  return u16
end

local function run()
  assert(bin and bin ~= "", "set PLANLS_BIN to the planls binary")
  bin = vim.fn.fnamemodify(bin, ":p")
  assert(vim.fn.executable(bin) == 1, bin .. " is not executable")
  if not example or example == "" then
    local dirs = vim.tbl_filter(function(d)
      return vim.fn.isdirectory(d) == 1
    end, vim.fn.globpath(repo .. "/examples/.engineering/artifacts/planning", "*", false, true))
    table.sort(dirs)
    example = dirs[1]
  end
  assert(example and vim.fn.isdirectory(example) == 1, "no example planning folder found")
  example = vim.fn.fnamemodify(example, ":p"):gsub("/$", "")

  -- A temporary workspace: <tmp>/ws/.engineering/artifacts/planning/<name>/.
  local tmp = vim.fn.tempname()
  local ws = tmp .. "/ws"
  local planning = ws .. "/.engineering/artifacts/planning"
  sh("mkdir -p " .. vim.fn.shellescape(planning))
  -- The whole planning root, so links to siblings (../_work-package.md) hold.
  sh("cp -R " .. vim.fn.shellescape(vim.fn.fnamemodify(example, ":h") .. "/.") .. " " .. vim.fn.shellescape(planning .. "/"))
  local folder = planning .. "/" .. basename(example)
  writefile(ws .. "/notes.md", "# Notes\n\nNot a planning document.\n")

  -- Plant the defect: the first plan's Priority becomes URGENT.
  local plan_name
  for _, n in ipairs(md_files(folder)) do
    if n:match("^%d%d+%-.*%-plan%.md$") then
      plan_name = n
      break
    end
  end
  assert(plan_name, "no plan file in " .. example)
  local plan = folder .. "/" .. plan_name
  local text = readfile(plan)
  local planted, n = text:gsub("(\n%*%*Priority:%*%*) [^\n]*", "%1 URGENT", 1)
  assert(n == 1, plan_name .. " has no **Priority:** line")
  writefile(plan, planted)

  vim.cmd("filetype on")
  vim.opt.runtimepath:prepend(repo .. "/editors/nvim")
  local planls = require("planls")
  -- PL012 (an error by default) as a hint: proves the settings reach the server.
  planls.setup({ cmd = { bin, "--stdio" }, settings = { rules = { PL012 = "hint" } } })

  check("root_dir is the folder above .engineering", planls.root_dir(plan) == ws,
    "got " .. tostring(planls.root_dir(plan)))
  check("notes.md outside the planning folder has no root", planls.root_dir(ws .. "/notes.md") == nil)

  -- A Markdown file outside any planning folder gets no client.
  vim.cmd("edit " .. vim.fn.fnameescape(ws .. "/notes.md"))
  local notes_buf = vim.api.nvim_get_current_buf()

  vim.cmd("edit " .. vim.fn.fnameescape(plan))
  local buf = vim.api.nvim_get_current_buf()
  check("plan buffer has filetype markdown", vim.bo[buf].filetype == "markdown", vim.bo[buf].filetype)
  local attached = vim.wait(10000, function()
    return next(vim.lsp.buf_get_clients(buf)) ~= nil
  end, 20)
  if not check("planls attaches to the plan and initializes", attached) then
    return
  end
  local client = select(2, next(vim.lsp.buf_get_clients(buf)))
  check("client name is planls", client.name == "planls", client.name)
  check("client root is the workspace", client.config.root_dir == ws, tostring(client.config.root_dir))
  check("no client on notes.md", next(vim.lsp.buf_get_clients(notes_buf)) == nil)

  -- 1. Diagnostics from the server: the planted PL012.
  local function planted_diag()
    for _, d in ipairs(vim.diagnostic.get(buf)) do
      local code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)
      if code == "PL012" then
        return d
      end
    end
    return nil
  end
  vim.wait(15000, function()
    return planted_diag() ~= nil
  end, 20)
  local diag = planted_diag()
  local all = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    table.insert(all, tostring(d.code) .. "@" .. d.lnum)
  end
  check("diagnostics arrive: PL012 on the planted Priority", diag ~= nil,
    "diagnostics: [" .. table.concat(all, ", ") .. "]")
  if diag then
    check("diagnostic source is planls", diag.source == "planls", tostring(diag.source))
    check("settings.rules reach the server: PL012 is a hint", diag.severity == vim.diagnostic.severity.HINT,
      "severity " .. tostring(diag.severity))
  end

  -- 2. Completion after `**Priority:** ` offers HIGH.
  local lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
  local prio_line, prio_col
  for i, l in ipairs(lines) do
    local s, e = l:find("^%*%*Priority:%*%* ")
    if s then
      prio_line, prio_col = i - 1, e
      break
    end
  end
  assert(prio_line, "planted Priority line lost")
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    position = { line = prio_line, character = utf16_col(lines[prio_line + 1], prio_col) },
    context = { triggerKind = 1 },
  }
  local result, err = request(buf, "textDocument/completion", params)
  local labels, has_high = {}, false
  for _, item in ipairs(completion_items(result)) do
    table.insert(labels, item.label)
    local insert = item.textEdit and item.textEdit.newText or item.insertText or item.label
    if item.label:find("HIGH", 1, true) and insert:find("HIGH", 1, true) then
      has_high = true
    end
  end
  check("completion at **Priority:** offers HIGH", has_high,
    err or ("labels: [" .. table.concat(labels, ", ") .. "]"))

  -- 3. Definition on a `Phase N` reference in START-HERE.md -> the plan file.
  local start_here = folder .. "/START-HERE.md"
  vim.cmd("edit " .. vim.fn.fnameescape(start_here))
  local sbuf = vim.api.nvim_get_current_buf()
  vim.wait(5000, function()
    return next(vim.lsp.buf_get_clients(sbuf)) ~= nil
  end, 20)
  local ref_line, ref_col, ref_n
  for i, l in ipairs(vim.api.nvim_buf_get_lines(sbuf, 0, -1, false)) do
    local s, _, num = l:find("Phase (%d+)")
    if s then
      ref_line, ref_col, ref_n = i - 1, utf16_col(l, s - 1) + 1, tonumber(num)
      break
    end
  end
  if check("START-HERE.md mentions a Phase N", ref_line ~= nil) then
    local expected
    for _, nm in ipairs(md_files(folder)) do
      local num = nm:match("^(%d+)%-.*%-plan%.md$")
      if num and tonumber(num) == ref_n then
        expected = nm
      end
    end
    local def, derr = request(sbuf, "textDocument/definition", {
      textDocument = { uri = vim.uri_from_bufnr(sbuf) },
      position = { line = ref_line, character = ref_col },
    })
    local uris = location_uris(def)
    local found = false
    for _, u in ipairs(uris) do
      if expected and vim.uri_to_fname(u) == folder .. "/" .. expected then
        found = true
      end
    end
    check(string.format("definition of Phase %d (START-HERE.md:%d) is %s", ref_n, ref_line + 1, tostring(expected)),
      found, derr or ("got [" .. table.concat(uris, ", ") .. "]"))
  end

  -- 4. A code action for the planted defect.
  vim.api.nvim_set_current_buf(buf)
  if diag then
    local lsp_diag = (diag.user_data and diag.user_data.lsp) or {
      range = {
        start = { line = diag.lnum, character = diag.col },
        ["end"] = { line = diag.end_lnum or diag.lnum, character = diag.end_col or diag.col },
      },
      severity = diag.severity,
      code = diag.code,
      source = diag.source,
      message = diag.message,
    }
    local actions, aerr = request(buf, "textDocument/codeAction", {
      textDocument = { uri = vim.uri_from_bufnr(buf) },
      range = lsp_diag.range,
      context = { diagnostics = { lsp_diag } },
    })
    local titles, has_fix = {}, false
    for _, a in ipairs(actions ~= vim.NIL and actions or {}) do
      table.insert(titles, a.title)
      if a.title:find("HIGH", 1, true) then
        has_fix = true
      end
    end
    check("code action for PL012 offers HIGH", has_fix,
      aerr or ("titles: [" .. table.concat(titles, " | ") .. "]"))
  else
    check("code action for PL012 offers HIGH", false, "no PL012 diagnostic to act on")
  end

  -- 5. An edit in the buffer (incremental didChange) clears the defect.
  if diag then
    local l = vim.api.nvim_buf_get_lines(buf, prio_line, prio_line + 1, false)[1]
    vim.api.nvim_buf_set_lines(buf, prio_line, prio_line + 1, false, { (l:gsub("URGENT", "HIGH")) })
    local cleared = vim.wait(10000, function()
      return planted_diag() == nil
    end, 20)
    check("fixing the Priority in the buffer clears PL012", cleared)
  end

  -- 6. :PlanlsRestart replaces the client and diagnostics come back.
  local old_id = client.id
  vim.api.nvim_buf_set_lines(buf, prio_line, prio_line + 1, false, { "**Priority:** URGENT" })
  vim.cmd("PlanlsRestart")
  local restarted = vim.wait(10000, function()
    local c = select(2, next(vim.lsp.buf_get_clients(buf)))
    return c ~= nil and c.id ~= old_id
  end, 20)
  check(":PlanlsRestart attaches a new client", restarted)
  if restarted then
    check("diagnostics arrive from the restarted server", vim.wait(10000, function()
      return planted_diag() ~= nil
    end, 20))
  end
end

local ok, err = pcall(run)
if not ok then
  check("test ran to the end", false, tostring(err))
end
watchdog:stop()
-- Stop the servers before leaving so none is left running.
vim.lsp.stop_client(vim.lsp.get_active_clients())
vim.wait(2000, function()
  return #vim.lsp.get_active_clients() == 0
end, 20)
finish()
