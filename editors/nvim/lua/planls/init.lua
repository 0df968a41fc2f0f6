-- planls for Neovim: starts the planls language server for Markdown buffers
-- that live in a planning folder, one client per workspace root, with
-- vim.lsp.start on Neovim >= 0.8 and start_client + buf_attach_client on 0.7.
-- It never edits buffers or files itself: every feature comes from the server.
local M = {}

local uv = vim.loop

local defaults = {
  -- The server command (a list, as for jobstart()).
  cmd = { "planls", "--stdio" },
  -- Buffers of these filetypes inside a planning folder get the server.
  filetypes = { "markdown" },
  -- The planls configuration (DESIGN §6, the `.planls.json` shape), e.g.
  -- { rules = { PL030 = "off" } }. Sent as initializationOptions, as
  -- workspace/didChangeConfiguration { settings = { planls = ... } } and as
  -- the answer to workspace/configuration section "planls". A table that
  -- already has a `planls` key is taken as the full settings table.
  settings = {},
  -- Folders (relative to a workspace) whose sub-folders are planning folders.
  planning_roots = { ".engineering/artifacts/planning" },
  -- The workspace root is the nearest ancestor holding one of these.
  root_markers = { ".git", ".planls.json" },
  -- Passed through to the client config.
  on_attach = nil,
  on_init = nil,
  capabilities = nil,
  handlers = nil,
  flags = nil,
  cmd_env = nil,
  -- Start automatically on FileType (else call require("planls").start()).
  autostart = true,
}

local config = vim.deepcopy(defaults)
-- Neovim 0.7: root_dir -> client id, so one server serves a workspace.
local clients_by_root = {}
local warned_missing = false

local function exists(path)
  return uv.fs_stat(path) ~= nil
end

local function dirname(path)
  return vim.fn.fnamemodify(path, ":h")
end

-- Strip trailing slashes (but keep "/").
local function normalize(path)
  path = path:gsub("\\", "/")
  while #path > 1 and path:sub(-1) == "/" do
    path = path:sub(1, -2)
  end
  return path
end

-- True when `path` ends with "/" .. `suffix` (whole path components).
local function ends_with_dir(path, suffix)
  suffix = normalize(suffix)
  return #path > #suffix and path:sub(-#suffix - 1) == "/" .. suffix
end

-- Every ancestor of dir, starting with dir itself, up to the file-system root.
local function ancestors(dir)
  local list = {}
  local cur = dir
  while true do
    table.insert(list, cur)
    local parent = dirname(cur)
    if parent == cur or parent == "" or parent == "." then
      break
    end
    cur = parent
  end
  return list
end

--- The planning folder holding the file at `path` (an absolute path), and
--- the workspace folder implied by the planning-root layout (the folder above
--- `.engineering`), or nil when the file is in no planning folder.
--- A planning folder is `<x>/<planning root>/<name>/` for any configured
--- planning root, or any folder that holds a START-HERE.md.
---@return string|nil planning_folder
---@return string|nil layout_root
function M.planning_folder(path)
  path = normalize(path)
  local dir = dirname(path)
  for _, d in ipairs(ancestors(dir)) do
    local parent = dirname(d)
    for _, r in ipairs(config.planning_roots) do
      if ends_with_dir(parent, r) then
        local above = parent:sub(1, #parent - #normalize(r) - 1)
        if above == "" then
          above = "/"
        end
        return d, above
      end
    end
  end
  if vim.fn.fnamemodify(path, ":t") == "START-HERE.md" or exists(dir .. "/START-HERE.md") then
    return dir, nil
  end
  return nil, nil
end

--- The workspace root for a file: the nearest ancestor of its planning folder
--- that holds `.git` or `.planls.json` (config.root_markers), else the folder
--- above `.engineering`, else the planning folder itself. nil when the file
--- is in no planning folder.
---@return string|nil
function M.root_dir(path)
  local folder, layout_root = M.planning_folder(path)
  if not folder then
    return nil
  end
  for _, d in ipairs(ancestors(folder)) do
    for _, marker in ipairs(config.root_markers) do
      if exists(d .. "/" .. marker) then
        return d
      end
    end
  end
  return layout_root or folder
end

-- The planls configuration object and the client `settings` table.
local function server_settings()
  local s = config.settings or {}
  if s.planls ~= nil then
    return s.planls, s
  end
  return s, { planls = s }
end

-- vim.empty_dict() where a JSON object must stay an object when empty.
local function as_object(t)
  if t == nil or next(t) == nil then
    return vim.empty_dict()
  end
  return t
end

local function client_config(root)
  local planls_cfg, settings = server_settings()
  local user_on_init = config.on_init
  return {
    name = "planls",
    cmd = config.cmd,
    cmd_env = config.cmd_env,
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = root } },
    init_options = as_object(vim.deepcopy(planls_cfg)),
    settings = settings,
    capabilities = config.capabilities,
    handlers = config.handlers,
    flags = config.flags,
    on_attach = config.on_attach,
    on_init = function(client, result)
      -- Neovim leaves it to the plugin to send the settings after initialize.
      if next(planls_cfg) ~= nil then
        client.notify("workspace/didChangeConfiguration", { settings = settings })
      end
      if user_on_init then
        user_on_init(client, result)
      end
    end,
    on_exit = function(code, signal, client_id)
      for r, id in pairs(clients_by_root) do
        if id == client_id then
          clients_by_root[r] = nil
        end
      end
      if code ~= 0 and not (signal == 15 or signal == 9) then
        vim.schedule(function()
          vim.notify(
            string.format("planls exited with code %d (signal %d); :PlanlsRestart starts it again", code, signal or 0),
            vim.log.levels.WARN
          )
        end)
      end
    end,
  }
end

local function buf_path(bufnr)
  local name = vim.api.nvim_buf_get_name(bufnr)
  if name == "" or name:match("^%a[%w+.-]*://") then
    return nil
  end
  return vim.fn.fnamemodify(name, ":p")
end

local function filetype_wanted(ft)
  for _, f in ipairs(config.filetypes) do
    if f == ft then
      return true
    end
  end
  return false
end

--- Start (or reuse) the planls client for buffer `bufnr` (default: current)
--- and attach it. Returns the client id, or nil when the buffer is not a
--- file in a planning folder or planls cannot be started.
---@return integer|nil
function M.start(bufnr)
  if bufnr == nil or bufnr == 0 then
    bufnr = vim.api.nvim_get_current_buf()
  end
  local path = buf_path(bufnr)
  if not path then
    return nil
  end
  local root = M.root_dir(path)
  if not root then
    return nil
  end
  local exe = config.cmd[1]
  if vim.fn.executable(exe) ~= 1 then
    if not warned_missing then
      warned_missing = true
      vim.notify(
        "planls: '" .. tostring(exe) .. "' is not executable; install planls on PATH or pass cmd to setup()",
        vim.log.levels.ERROR
      )
    end
    return nil
  end
  local cfg = client_config(root)
  if vim.lsp.start then
    -- Neovim >= 0.8: reuses a client with the same name and root_dir.
    local id
    vim.api.nvim_buf_call(bufnr, function()
      id = vim.lsp.start(cfg)
    end)
    return id
  end
  -- Neovim 0.7: keep one client per root ourselves.
  local id = clients_by_root[root]
  local client = id and vim.lsp.get_client_by_id(id)
  if not client or client.is_stopped() then
    id = vim.lsp.start_client(cfg)
    if not id then
      return nil
    end
    clients_by_root[root] = id
  end
  vim.lsp.buf_attach_client(bufnr, id)
  return id
end

--- Stop every planls client and start again for the open planning buffers.
function M.restart()
  local ids = {}
  local get_clients = vim.lsp.get_clients or vim.lsp.get_active_clients
  for _, client in pairs(get_clients()) do
    if client.name == "planls" then
      table.insert(ids, client.id)
    end
  end
  clients_by_root = {}
  vim.lsp.stop_client(ids)
  -- Give the old servers a moment to go, then attach new ones.
  vim.defer_fn(function()
    for _, b in ipairs(vim.api.nvim_list_bufs()) do
      if vim.api.nvim_buf_is_loaded(b) and filetype_wanted(vim.bo[b].filetype) then
        M.start(b)
      end
    end
  end, 200)
end

--- Configure planls and, with autostart (the default), start it for every
--- Markdown buffer in a planning folder, now and on each FileType event.
function M.setup(opts)
  config = vim.tbl_deep_extend("force", vim.deepcopy(defaults), opts or {})
  -- Lists replace the defaults rather than merging index by index.
  for _, key in ipairs({ "cmd", "filetypes", "planning_roots", "root_markers" }) do
    if opts and opts[key] then
      config[key] = opts[key]
    end
  end
  if type(config.cmd) == "string" then
    config.cmd = { config.cmd }
  end
  warned_missing = false
  vim.cmd([[command! PlanlsRestart lua require("planls").restart()]])
  local group = vim.api.nvim_create_augroup("planls", { clear = true })
  if config.autostart then
    vim.api.nvim_create_autocmd("FileType", {
      group = group,
      pattern = config.filetypes,
      callback = function(args)
        M.start(args.buf)
      end,
    })
    for _, b in ipairs(vim.api.nvim_list_bufs()) do
      if vim.api.nvim_buf_is_loaded(b) and filetype_wanted(vim.bo[b].filetype) then
        M.start(b)
      end
    end
  end
end

return M
