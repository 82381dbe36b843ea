using System.Diagnostics;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;
using Npgsql;

namespace LmsCloud.Core.Database.Local;

/// <summary>Settings of the private local cluster started when no connection string is configured.</summary>
public sealed class EmbeddedPostgresOptions
{
    /// <summary>Folder holding the cluster and its generated credentials. Default: <c>.data</c> in the checkout.</summary>
    public string? DataDirectory { get; set; }

    /// <summary>TCP port on 127.0.0.1, fixed when the cluster is first created.</summary>
    public int Port { get; set; } = 55432;

    /// <summary>Folder with <c>initdb</c> and <c>pg_ctl</c>. Default: PATH, then <c>/usr/lib/postgresql/*/bin</c>.</summary>
    public string? BinDirectory { get; set; }

    /// <summary>fsync and friends off: for throwaway test clusters only.</summary>
    public bool DurabilityOff { get; set; }
}

/// <summary>The server binaries are missing; the message says what to install.</summary>
public sealed class PostgresNotInstalledException(string message) : Exception(message);

/// <summary>
/// Starts (or reuses) a private PostgreSQL cluster from the server binaries on this machine: loopback only, data
/// and generated passwords in a git-ignored folder, run as the <c>postgres</c> OS user when we are root
/// (PostgreSQL refuses to run as root). The server is left running when the process exits, so the API and the
/// CLI share one cluster; a file lock keeps two processes from initialising or starting it at the same time.
/// </summary>
public static class EmbeddedPostgres
{
    public const string DatabaseName = "lmscloud";
    const string Superuser = "postgres";

    sealed record Credentials(int Port, string SuperuserPassword, string OwnerPassword, string AppPassword);

    public static DatabaseConnectionStrings EnsureRunning(EmbeddedPostgresOptions options, Action<string>? log = null)
    {
        log ??= _ => { };
        var root = DataFolder.Of(options);
        Directory.CreateDirectory(root);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                                       UnixFileMode.GroupExecute | UnixFileMode.OtherExecute); // others may traverse, not list

        lock (InProcess) // the file lock below is between processes; this one is between threads
        {
            using var _ = AcquireLock(Path.Combine(root, "launcher.lock"));
            return EnsureRunningLocked(root, options, log);
        }
    }

    static readonly object InProcess = new();

    static DatabaseConnectionStrings EnsureRunningLocked(string root, EmbeddedPostgresOptions options, Action<string> log)
    {
        var bin = FindBinDirectory(options.BinDirectory);
        var pgData = Path.Combine(root, "postgres");
        var credentialsFile = Path.Combine(root, "credentials.json");

        Credentials credentials;
        if (File.Exists(Path.Combine(pgData, "PG_VERSION")))
        {
            if (!File.Exists(credentialsFile))
                throw new InvalidOperationException(
                    $"The local cluster in {pgData} has no {credentialsFile}; move the folder away to start afresh.");
            credentials = JsonSerializer.Deserialize<Credentials>(File.ReadAllText(credentialsFile))!;
        }
        else
        {
            credentials = new Credentials(options.Port, NewSecret(), NewSecret(), NewSecret());
            InitCluster(bin, pgData, credentials, options, log);
            File.WriteAllText(credentialsFile, JsonSerializer.Serialize(credentials));
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(credentialsFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        if (RunTool(bin, "pg_ctl", "status", "-D", pgData).ExitCode != 0)
        {
            log($"Starting local PostgreSQL on 127.0.0.1:{credentials.Port} (data in {pgData})");
            EnsurePortFree(credentials.Port);
            var start = RunTool(bin, "pg_ctl", "start", "-D", pgData, "-l", Path.Combine(pgData, "server.log"), "-w", "-t", "60");
            if (start.ExitCode != 0)
                throw new InvalidOperationException(
                    $"Local PostgreSQL did not start: {LastLine(start.Output)} (see {Path.Combine(pgData, "server.log")})");
        }

        var strings = ConnectionStrings(credentials);
        BootstrapRolesAndDatabase(strings.Superuser!, credentials);
        return strings.Database;
    }

    /// <summary>Stops the cluster if it runs (immediate: no shutdown checkpoint). False when there is no cluster there.</summary>
    public static bool Stop(EmbeddedPostgresOptions options, bool immediate = false)
    {
        var pgData = Path.Combine(DataFolder.Of(options), "postgres");
        if (!File.Exists(Path.Combine(pgData, "PG_VERSION"))) return false;
        var bin = FindBinDirectory(options.BinDirectory);
        if (RunTool(bin, "pg_ctl", "status", "-D", pgData).ExitCode == 0)
            RunTool(bin, "pg_ctl", "stop", "-D", pgData, "-m", immediate ? "immediate" : "fast", "-w");
        return true;
    }

    /// <summary>Superuser connection string of an embedded cluster (tests use it to clone databases).</summary>
    public static string SuperuserConnectionString(EmbeddedPostgresOptions options)
    {
        var root = DataFolder.Of(options);
        var credentials = JsonSerializer.Deserialize<Credentials>(File.ReadAllText(Path.Combine(root, "credentials.json")))!;
        return ConnectionStrings(credentials).Superuser!;
    }

    static (DatabaseConnectionStrings Database, string? Superuser) ConnectionStrings(Credentials c)
    {
        string For(string user, string password, string database) => new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1", Port = c.Port, Database = database, Username = user, Password = password,
        }.ConnectionString;
        return (new DatabaseConnectionStrings(
                    App: For(DatabaseRoles.App, c.AppPassword, DatabaseName),
                    Owner: For(DatabaseRoles.Owner, c.OwnerPassword, DatabaseName)),
                For(Superuser, c.SuperuserPassword, "postgres"));
    }

    static void InitCluster(string bin, string pgData, Credentials credentials, EmbeddedPostgresOptions options, Action<string> log)
    {
        log($"Creating local PostgreSQL cluster in {pgData}");
        if (Directory.Exists(pgData)) Directory.Delete(pgData, recursive: true); // a previous init was interrupted
        Directory.CreateDirectory(pgData);
        var passwordFile = Path.Combine(Path.GetDirectoryName(pgData)!, "initdb.pw");
        File.WriteAllText(passwordFile, credentials.SuperuserPassword);
        try
        {
            HandToPostgresUser(pgData, passwordFile);
            var init = RunTool(bin, "initdb", "-D", pgData, "-U", Superuser, "--pwfile", passwordFile,
                "--auth", "scram-sha-256", "-E", "UTF8", "--locale", "C.UTF-8");
            if (init.ExitCode != 0)
                throw new InvalidOperationException($"initdb failed: {init.Output.ReplaceLineEndings(" ").Trim()}");
        }
        finally
        {
            File.Delete(passwordFile);
        }

        var settings = new List<string>
        {
            "", "# LmsCloud embedded cluster: loopback TCP only, no Unix socket (its default folder may not be writable).",
            "listen_addresses = '127.0.0.1'", $"port = {credentials.Port}", "unix_socket_directories = ''",
            "max_connections = 200",
            // Roster imports write hundreds of MB in one transaction: fewer forced checkpoints, smaller full-page images.
            "max_wal_size = '4GB'", "wal_compression = on", "shared_buffers = '256MB'",
        };
        if (options.DurabilityOff)
            settings.AddRange(["fsync = off", "synchronous_commit = off", "full_page_writes = off"]);
        File.AppendAllLines(Path.Combine(pgData, "postgresql.conf"), settings);
    }

    static void BootstrapRolesAndDatabase(string superuserConnectionString, Credentials credentials)
    {
        using var conn = DatabaseConnectionStrings.Unpooled(superuserConnectionString);
        conn.Open();
        void Exec(string sql)
        {
            using var cmd = new NpgsqlCommand(sql, conn);
            cmd.ExecuteNonQuery();
        }
        bool Exists(string sql, string name)
        {
            using var cmd = new NpgsqlCommand(sql, conn);
            cmd.Parameters.AddWithValue(name);
            return cmd.ExecuteScalar() != null;
        }
        // Role passwords are random, so they are quoted literals built by the server, never by string concatenation.
        string Literal(string value)
        {
            using var cmd = new NpgsqlCommand("select quote_literal($1)", conn);
            cmd.Parameters.AddWithValue(value);
            return (string)cmd.ExecuteScalar()!;
        }

        if (!Exists("select 1 from pg_roles where rolname = $1", DatabaseRoles.Owner))
            Exec($"create role {DatabaseRoles.Owner} login nosuperuser nobypassrls password {Literal(credentials.OwnerPassword)}");
        if (!Exists("select 1 from pg_roles where rolname = $1", DatabaseRoles.App))
            Exec($"create role {DatabaseRoles.App} login nosuperuser nobypassrls nocreatedb nocreaterole password {Literal(credentials.AppPassword)}");
        if (!Exists("select 1 from pg_database where datname = $1", DatabaseName))
            Exec($"create database {DatabaseName} owner {DatabaseRoles.Owner}");
    }

    static string FindBinDirectory(string? configured)
    {
        static bool HasTools(string dir) => File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "pg_ctl"));
        if (!string.IsNullOrEmpty(configured))
            return HasTools(configured)
                ? configured
                : throw new PostgresNotInstalledException($"Database:BinDirectory '{configured}' has no initdb and pg_ctl.");

        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
            if (dir.Length > 0 && HasTools(dir)) return dir;

        const string debianRoot = "/usr/lib/postgresql";
        if (Directory.Exists(debianRoot))
        {
            var newest = Directory.GetDirectories(debianRoot)
                .Select(d => (Dir: Path.Combine(d, "bin"), Version: int.TryParse(Path.GetFileName(d), out var v) ? v : 0))
                .Where(x => HasTools(x.Dir)).OrderByDescending(x => x.Version).FirstOrDefault();
            if (newest.Dir != null) return newest.Dir;
        }
        throw new PostgresNotInstalledException(
            "PostgreSQL server binaries (initdb, pg_ctl) not found: install them (Debian/Ubuntu: apt-get install postgresql) " +
            "or set ConnectionStrings:App and ConnectionStrings:Owner to use an existing server.");
    }

    static (int ExitCode, string Output) RunTool(string bin, string tool, params string[] args)
    {
        var asPostgres = !OperatingSystem.IsWindows() && Environment.IsPrivilegedProcess;
        var psi = new ProcessStartInfo(asPostgres ? "runuser" : Path.Combine(bin, tool))
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            WorkingDirectory = "/",
        };
        if (asPostgres)
            foreach (var a in new[] { "-u", "postgres", "--", Path.Combine(bin, tool) }) psi.ArgumentList.Add(a);
        foreach (var a in args) psi.ArgumentList.Add(a);
        return Run(psi);
    }

    static (int ExitCode, string Output) Run(ProcessStartInfo psi)
    {
        using var process = Process.Start(psi)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout + stderr.Result);
    }

    static void HandToPostgresUser(params string[] paths)
    {
        if (OperatingSystem.IsWindows() || !Environment.IsPrivilegedProcess) return;
        var psi = new ProcessStartInfo("chown") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-R", "postgres:postgres" }.Concat(paths)) psi.ArgumentList.Add(a);
        var (code, output) = Run(psi);
        if (code != 0) throw new InvalidOperationException($"chown to the postgres user failed: {LastLine(output)}");
    }

    static void EnsurePortFree(int port)
    {
        try
        {
            using var probe = new TcpListener(System.Net.IPAddress.Loopback, port);
            probe.Start();
        }
        catch (SocketException)
        {
            throw new InvalidOperationException(
                $"Port {port} on 127.0.0.1 is taken by another program; stop it or remove the .data folder and set Database:Port.");
        }
    }

    static FileStream AcquireLock(string path)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(100); // another process is starting the same cluster
            }
        }
    }

    static string NewSecret() => Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();

    static string LastLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "(no output)";
}
