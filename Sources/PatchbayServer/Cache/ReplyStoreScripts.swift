import PatchbayRedis

/// The Lua scripts behind ``RedisReplyStore``: one per operation, so each runs atomically on the
/// server whichever instance sent it. Time is Redis's own (`TIME`, in microseconds), so every
/// instance orders entries by the same clock.
///
/// Layout, under a prefix (`patchbay:cache:`) and an assistant id escaped so it holds no `:`:
/// - `<prefix><assistant>:<key>`: the reply (``CachedReply``'s stored JSON), with a `PX` ttl;
/// - `<prefix><assistant>:lru`: ZSET of keys, score the last use (strictly increasing);
/// - `<prefix><assistant>:exp`: ZSET of keys, score when they expire (a store sweeps past ones);
/// - `<prefix><assistant>:sizes` and `:prompts`: HASHes of each key's bytes and lowercased prompt;
/// - `<prefix><assistant>:bytes`: the sum of `sizes`;
/// - `<prefix>assistants`: SET of the assistants with entries; `<prefix>stats`: HASH of
///   `evictions` and `last_eviction` (µs).
///
/// Entry keys are `pbc_` and hex, so they never meet `lru`, `exp`, …. Keys are built in the
/// scripts, not passed as `KEYS`: fine on a single Redis, not on Redis Cluster.
enum ReplyStoreScripts {
    /// ARGV[1] is always the prefix, ARGV[2] the escaped assistant (or the pattern, for `clear`).
    private static let prelude = #"""
        local prefix = ARGV[1]
        local function fmt(x) return string.format('%.0f', x) end
        local function now_us()
          local t = redis.call('TIME')
          return tonumber(t[1]) * 1000000 + tonumber(t[2])
        end
        local function keys_of(a)
          local base = prefix .. a .. ':'
          return {base = base, lru = base .. 'lru', exp = base .. 'exp', sizes = base .. 'sizes',
                  prompts = base .. 'prompts', bytes = base .. 'bytes'}
        end
        -- Drops an entry and its bookkeeping; true when its value was still there.
        local function forget(k, key)
          local size = redis.call('HGET', k.sizes, key)
          redis.call('ZREM', k.lru, key)
          redis.call('ZREM', k.exp, key)
          redis.call('HDEL', k.sizes, key)
          redis.call('HDEL', k.prompts, key)
          if size then redis.call('DECRBY', k.bytes, size) end
          return redis.call('DEL', k.base .. key) == 1
        end
        -- An assistant without entries leaves nothing behind.
        local function tidy(a, k)
          if redis.call('ZCARD', k.lru) == 0 then
            redis.call('DEL', k.bytes, k.lru, k.exp, k.sizes, k.prompts)
            redis.call('SREM', prefix .. 'assistants', a)
          end
        end
        local function sweep(a, k, now)
          for _, key in ipairs(redis.call('ZRANGEBYSCORE', k.exp, '-inf', fmt(now))) do forget(k, key) end
          tidy(a, k)
        end
        -- Later than every score in the ZSET, so two uses in one microsecond still have an order.
        local function next_score(k, now)
          local top = redis.call('ZREVRANGE', k.lru, 0, 0, 'WITHSCORES')
          if top[2] and tonumber(top[2]) >= now then return tonumber(top[2]) + 1 end
          return now
        end

        """#

    /// ARGV: prefix, assistant, key. Returns the value (now the most recently used), or nil; a
    /// value that vanished (expired) takes its bookkeeping with it.
    static let reply = RedisScript(prelude + #"""
        local a, key = ARGV[2], ARGV[3]
        local k = keys_of(a)
        local value = redis.call('GET', k.base .. key)
        if not value then
          if redis.call('ZSCORE', k.lru, key) then
            forget(k, key)
            tidy(a, k)
          end
          return false
        end
        redis.call('ZADD', k.lru, fmt(next_score(k, now_us())), key)
        return value
        """#)

    /// ARGV: prefix, assistant, key, value, bytes, ttl (ms), max bytes, lowercased prompt.
    /// Returns how many entries were evicted.
    static let store = RedisScript(prelude + #"""
        local a, key, value, size, ttl, max = ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
        local k = keys_of(a)
        local now = now_us()
        forget(k, key)
        sweep(a, k, now)
        -- As in memory: the old entry under the key goes; a reply larger than the cap is not kept.
        if size > max then return 0 end
        redis.call('SET', k.base .. key, value, 'PX', ARGV[6])
        redis.call('ZADD', k.lru, fmt(next_score(k, now)), key)
        redis.call('ZADD', k.exp, fmt(now + ttl * 1000), key)
        redis.call('HSET', k.sizes, key, ARGV[5])
        redis.call('HSET', k.prompts, key, ARGV[8])
        redis.call('SADD', prefix .. 'assistants', a)
        local bytes = redis.call('INCRBY', k.bytes, ARGV[5])
        local evicted = 0
        while bytes > max do
          local oldest = redis.call('ZRANGE', k.lru, 0, 0)[1]
          if not oldest or oldest == key then break end
          if forget(k, oldest) then evicted = evicted + 1 end
          bytes = tonumber(redis.call('GET', k.bytes))
        end
        if evicted > 0 then
          redis.call('HINCRBY', prefix .. 'stats', 'evictions', evicted)
          redis.call('HSET', prefix .. 'stats', 'last_eviction', fmt(now))
        end
        return evicted
        """#)

    /// ARGV: prefix, lowercased pattern ('' for all). Walks every assistant's entries in this one
    /// run; returns how many live entries were removed.
    static let clear = RedisScript(prelude + #"""
        local pattern = ARGV[2]
        local now = now_us()
        local removed = 0
        for _, a in ipairs(redis.call('SMEMBERS', prefix .. 'assistants')) do
          local k = keys_of(a)
          sweep(a, k, now)
          local prompts = redis.call('HGETALL', k.prompts)
          for i = 1, #prompts, 2 do
            if pattern == '' or string.find(prompts[i + 1], pattern, 1, true) then
              if forget(k, prompts[i]) then removed = removed + 1 end
            end
          end
          tidy(a, k)
        end
        return removed
        """#)

    /// ARGV: prefix. Returns {entries, bytes, evictions, last eviction (µs) or nil}, expired
    /// entries swept first.
    static let usage = RedisScript(prelude + #"""
        local now = now_us()
        local entries, bytes = 0, 0
        for _, a in ipairs(redis.call('SMEMBERS', prefix .. 'assistants')) do
          local k = keys_of(a)
          sweep(a, k, now)
          entries = entries + redis.call('ZCARD', k.lru)
          bytes = bytes + tonumber(redis.call('GET', k.bytes) or '0')
        end
        local stats = redis.call('HMGET', prefix .. 'stats', 'evictions', 'last_eviction')
        return {entries, bytes, tonumber(stats[1] or '0'), stats[2] or false}
        """#)
}
