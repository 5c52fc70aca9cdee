import PatchbayRedis

/// The one Lua script behind ``RedisRateLimitStore``: every call is one run of it, so Redis
/// carries out each check-and-count atomically, whichever instance sent it.
///
/// It does on the server what `KeyState`'s `admit` does in memory (fixed UTC windows, the burst
/// bucket in integer units, the daily token count; a refused request counts nowhere; a clock
/// stepped back never resets a window) and returns the state after each check, from which the host
/// reports the windows with the same code as the in-process store. Keep the two in step.
///
/// Each key is one hash: `m_s`/`m_c`, `h_s`/`h_c`, `d_s`/`d_c`, `t_s`/`t_c` (a window's start in
/// microseconds and its count), `b_l`/`b_u`/`b_f` (the bucket's level in units, when it was last
/// refilled, when it is full again). It expires by itself (`PEXPIRE`) once it means nothing more
/// than a fresh one, plus ``RedisRateLimitStore/expirySlack`` for clocks that differ between
/// instances; one that already means nothing is deleted.
///
/// Numbers are Lua doubles: exact up to 2^53, far beyond any request count, burst (up to 150
/// million) or microsecond time. Written numbers go through `%.0f` (Lua's own conversion keeps 14
/// digits); the token count stays a string Redis adds to (`HINCRBY`), saturating at 2^63 - 1.
enum RateLimitScript {
    /// What a run does: `acquire` counts (and writes), `status` only reads, `record` adds tokens.
    enum Mode: String {
        case acquire, status, record
    }

    /// The fields returned for each check, in this order.
    static let fields = ["m_s", "m_c", "h_s", "h_c", "d_s", "d_c", "t_s", "t_c", "b_l", "b_u", "b_f"]

    /// How many `ARGV` entries come before the checks' own (see ``script``).
    static let headerCount = 7
    /// How many `ARGV` entries each check has: its minute, hour, day and token limits, and the
    /// bucket's capacity in units and refill per minute (`''` where the policy sets none).
    static let perCheckCount = 6

    /// KEYS: one hash per check (one for `record`). ARGV: mode, now (µs), units per request, the
    /// minute, hour and day lengths (µs), the expiry slack (ms); then for `record` the tokens,
    /// else six per check.
    static let script = RedisScript(#"""
        local mode, now, unit = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
        local lengths = {m = tonumber(ARGV[4]), h = tonumber(ARGV[5]), d = tonumber(ARGV[6]), t = tonumber(ARGV[6])}
        local slack = tonumber(ARGV[7])
        local fields = {'m_s', 'm_c', 'h_s', 'h_c', 'd_s', 'd_c', 't_s', 't_c', 'b_l', 'b_u', 'b_f'}

        local function int(x) return string.format('%.0f', x) end

        local function window_start(time, length)
          local start = math.floor(time / length) * length
          if start > time then start = start - length elseif time - start >= length then start = start + length end
          return start
        end

        local function divide_rounding_up(numerator, denominator)
          if numerator <= 0 then return 0 end
          return math.floor((numerator - 1) / denominator) + 1
        end

        local function load(key)
          local values = redis.call('HMGET', key, unpack(fields))
          local state = {}
          for i, name in ipairs(fields) do
            if values[i] then state[name] = tonumber(values[i]) end
          end
          if values[8] then state.t_raw = values[8] end
          return state
        end

        -- A counter for the window holding now; a later window starts it over, an earlier one does not.
        local function roll(state, w)
          local start = window_start(now, lengths[w])
          if state[w .. '_s'] == nil or start > state[w .. '_s'] then
            state[w .. '_s'] = start
            state[w .. '_c'] = 0
            if w == 't' then state.t_raw = nil end
          end
        end

        local function evaluate(state, check, count)
          local allowed = true
          for _, w in ipairs({'m', 'h', 'd'}) do
            if check[w] then
              roll(state, w)
              allowed = allowed and state[w .. '_c'] < check[w]
            end
          end
          local cap, refill = check.cap, check.refill
          if cap then
            if state.b_l == nil then state.b_l, state.b_u, state.b_f = cap, now, now end
            if now > state.b_u then
              local added = (now - state.b_u) * refill
              if added >= cap - state.b_l then state.b_l = cap else state.b_l = state.b_l + added end
              state.b_u = now
            end
            if state.b_l > cap then state.b_l = cap end
            allowed = allowed and state.b_l >= unit
          end
          if check.t then
            roll(state, 't')
            allowed = allowed and state.t_c < check.t
          end
          if allowed and count then
            for _, w in ipairs({'m', 'h', 'd'}) do
              if check[w] then state[w .. '_c'] = state[w .. '_c'] + 1 end
            end
            if cap then state.b_l = state.b_l - unit end
          end
          if cap then state.b_f = now + divide_rounding_up(cap - state.b_l, refill) end
          return allowed
        end

        local function expires_at(state)
          local at = nil
          for _, w in ipairs({'m', 'h', 'd', 't'}) do
            local c = state[w .. '_c']
            if c and c > 0 then
              local ends = state[w .. '_s'] + lengths[w]
              if at == nil or ends > at then at = ends end
            end
          end
          if state.b_f and (at == nil or state.b_f > at) then at = state.b_f end
          return at
        end

        -- The key's time to live in ms, or nil once its state means nothing more than a fresh one.
        local function ttl(state)
          local at = expires_at(state)
          if at == nil or at <= now then return nil end
          return int(math.ceil((at - now) / 1000) + slack)
        end

        local function save(key, state)
          local ms = ttl(state)
          if ms == nil then
            redis.call('DEL', key)
            return
          end
          local values = {}
          for _, name in ipairs(fields) do
            if state[name] ~= nil then
              values[#values + 1] = name
              values[#values + 1] = (name == 't_c' and state.t_raw) or int(state[name])
            end
          end
          redis.call('HSET', key, unpack(values))
          redis.call('PEXPIRE', key, ms)
        end

        local function snapshot(state, out)
          for _, name in ipairs(fields) do
            if name == 't_c' and state.t_raw then out[#out + 1] = state.t_raw
            elseif state[name] == nil then out[#out + 1] = false
            else out[#out + 1] = state[name] end
          end
        end

        if mode == 'record' then
          local key = KEYS[1]
          local state = load(key)
          roll(state, 't')
          redis.call('HSET', key, 't_s', int(state.t_s))
          if state.t_raw == nil then redis.call('HSET', key, 't_c', '0') end
          local added = redis.pcall('HINCRBY', key, 't_c', ARGV[8])
          if type(added) == 'table' and added.err then
            redis.call('HSET', key, 't_c', '9223372036854775807')
          end
          state.t_c = 1
          redis.call('PEXPIRE', key, ttl(state))
          return 1
        end

        local function limit(text) if text == '' then return nil end return tonumber(text) end
        local checks, states = {}, {}
        for i, key in ipairs(KEYS) do
          local base = 7 + (i - 1) * 6
          checks[i] = {key = key, m = limit(ARGV[base + 1]), h = limit(ARGV[base + 2]), d = limit(ARGV[base + 3]),
                       t = limit(ARGV[base + 4]), cap = limit(ARGV[base + 5]), refill = limit(ARGV[base + 6])}
          if states[key] == nil then states[key] = load(key) end
        end

        -- Every check first, counting nothing; then, only if all admit the request, count it under each.
        local allowed, out = true, {0}
        for _, check in ipairs(checks) do
          allowed = evaluate(states[check.key], check, false) and allowed
          snapshot(states[check.key], out)
        end
        if allowed and mode == 'acquire' then
          out = {0}
          for _, check in ipairs(checks) do
            evaluate(states[check.key], check, true)
            snapshot(states[check.key], out)
          end
        end
        if mode == 'acquire' then
          for key, state in pairs(states) do save(key, state) end
        end
        out[1] = allowed and 1 or 0
        return out
        """#)
}
