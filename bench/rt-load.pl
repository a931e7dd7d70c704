#!/usr/bin/perl
# rt-load.pl -- bulk-load tickets into a local Request Tracker 5 through RT's own
# Perl API (RT::Ticket->Create / Correspond / Comment / SetStatus), acting as root.
#
# Usage (as root, RT's config is root-only):
#   perl -I/usr/share/request-tracker5/lib bench/rt-load.pl tickets.jsonl
#   ... | perl -I/usr/share/request-tracker5/lib bench/rt-load.pl -
# Options:
#   --batch N       tickets per database transaction (default 100)
#   --with-scrips   run RT's scrips (autoreply/notify mail, auto-open, SLA) as RT
#                   normally would; default: skip them for this process only
#   --fsync         keep SQLite's default synchronous mode (default: this
#                   connection uses PRAGMA synchronous=OFF; the data are the same)
#   --map FILE      write "n<TAB>rt_ticket_id" lines to FILE
#   --no-indexes    SQLite: do not add the temporary Groups(id)/Users(id) indexes
#   --keep-indexes  SQLite: add them and leave them in place afterwards (then RT
#                   no longer runs on its shipped schema: web pages get 2-7x faster)
#
# Input: JSON lines, one ticket each:
#   {"n":17,"subject":"...","requestor":"a@b.c","status":"open",
#    "articles":[{"body":"...","internal":false},...]}
# The first article is the ticket's initial content (Content of the Create
# transaction); each further one is a correspondence (internal false) or a
# comment (internal true); then the status is set (new/open/stalled/resolved).
# Everything goes to queue General.
#
# Scrips: by default they are skipped *inside this process only*, by passing
# ActivateScrips => 0 to RT::Transaction::Create (an argument RT itself provides
# for this).  Nothing in the database is changed, so the running rt-server keeps
# all its scrips on, during and after the load, whatever happens to this script.
# Consequence: no outgoing-mail records (autoreply/notify) and no SLA/auto-open
# side effects are written for the loaded tickets; tickets, transactions,
# attachments (message bodies), requestor users and watchers are all real RT rows,
# found by TicketSQL (Subject LIKE, Content LIKE) and shown by REST2 /history.
use strict;
use warnings;
use lib '/usr/share/request-tracker5/lib';
use lib '/usr/share/request-tracker5/local/lib';
use Getopt::Long;
# Cpanel::JSON::XS is a dependency of Debian's request-tracker5; JSON (PP) as fallback
my $json = eval { require Cpanel::JSON::XS; Cpanel::JSON::XS->new->utf8 }
    || do { require JSON; JSON->new->utf8 };
use Encode ();
use Time::HiRes qw(time);

my $batch       = 100;
my $with_scrips = 0;
my $fsync       = 0;
my $mapfile;
our $keep_indexes = 0;
my $no_indexes  = 0;
GetOptions(
    'batch=i'      => \$batch,
    'with-scrips'  => \$with_scrips,
    'fsync'        => \$fsync,
    'map=s'        => \$mapfile,
    'no-indexes'   => \$no_indexes,
    'keep-indexes' => \$keep_indexes,
) or die "usage: $0 [--batch N] [--with-scrips] [--fsync] [--no-indexes|--keep-indexes] [--map FILE] [file|-]\n";
$batch = 1 if $batch < 1;
die "run as root (RT's config is readable by root only)\n" if $> != 0;

use RT;
RT::LoadConfig();
RT::Init();
require MIME::Entity;

# RT turns on DBIx::SearchBuilder's "prefer bind" mode, which re-parses every
# generated search SQL character by character to pull out bind values (the top
# exclusive-time sub in a profile of this loader); RT_Config.pm documents
# turning it off (SB_PREFER_BIND=0).  Affects this process only.
require RT::SearchBuilder;    # it sets PREFER_BIND = 1 when loaded
{ no warnings 'once'; $DBIx::SearchBuilder::PREFER_BIND = 0; }

# ------------------------------------------------------------ scrips off (in-process)
unless ($with_scrips) {
    no warnings 'redefine';
    my $orig_create = \&RT::Transaction::Create;
    # later keys win in RT's "my %args = (defaults, @_)"
    *RT::Transaction::Create = sub { my $self = shift; $orig_create->( $self, @_, ActivateScrips => 0 ) };
    # TransactionBatch-stage scrips would run when a ticket object goes away
    *RT::Ticket::_ApplyTransactionBatch = sub { return };
}

# ------------------------------------------------------------ SQLite tuning
# RT 5.0.3's schema.SQLite declares Groups.id and Users.id without PRIMARY KEY,
# so every "SELECT * FROM Groups WHERE id = ?" and every join on Groups.id is a
# full scan (4 role groups per ticket: 40k rows at 10k tickets); the load rate
# then falls by more than half between 1k and 7k tickets (measured: 12.8 -> 7.3
# tickets/s; 10k took 21 min instead of 11).  The loader adds two
# plain indexes for the duration of the load and drops them again at the end
# (also on error / Ctrl-C), so the database RT serves afterwards has exactly
# RT's shipped schema.  --keep-indexes leaves them in place.
my $dbh = $RT::Handle->dbh;
my @temp_indexes;
sub drop_temp_indexes {
    return unless @temp_indexes;
    my $h = $RT::Handle->dbh or return;
    $RT::Handle->ForceRollback if $RT::Handle->TransactionDepth;
    for my $ix ( reverse @temp_indexes ) {
        eval { $h->do("DROP INDEX IF EXISTS $ix"); 1 }
            or print STDERR "rt-load: WARNING: could not drop index $ix: $@";
    }
    print STDERR "rt-load: temporary indexes dropped (@temp_indexes)\n";
    @temp_indexes = ();
}
END { drop_temp_indexes() unless $keep_indexes }
if ( RT->Config->Get('DatabaseType') eq 'SQLite' ) {
    $dbh->sqlite_busy_timeout(120_000);
    $dbh->do('PRAGMA synchronous=OFF') unless $fsync;
    $dbh->do('PRAGMA cache_size=-65536');    # 64 MB page cache for this connection
    unless ($no_indexes) {
        $SIG{INT} = $SIG{TERM} = $SIG{HUP} = sub { die "rt-load: interrupted by signal $_[0]\n" };
        for ( [ rtload_tmp_groups_id => 'Groups' ], [ rtload_tmp_users_id => 'Users' ] ) {
            my ( $ix, $table ) = @$_;
            $dbh->do("CREATE INDEX IF NOT EXISTS $ix ON $table (id)");
            push @temp_indexes, $ix;
        }
    }
}

my $root = RT::CurrentUser->new;
$root->Load('root');
$root->id or die "cannot load user root\n";

my $queue = RT::Queue->new($root);
$queue->Load('General');
$queue->id or die "cannot load queue General\n";

# ------------------------------------------------------------ read input
my $in;
if ( !@ARGV || $ARGV[0] eq '-' ) { $in = \*STDIN }
else { open( $in, '<', $ARGV[0] ) or die "$ARGV[0]: $!\n" }
my @tickets;
while ( my $line = <$in> ) {
    next unless $line =~ /\S/;
    my $t = eval { $json->decode($line) } or die "line $.: bad JSON: $@";
    die "line $.: no articles\n" unless ref $t->{articles} eq 'ARRAY' && @{ $t->{articles} };
    $t->{status} = lc( $t->{status} // 'new' );
    die "line $.: bad status '$t->{status}'\n" unless $t->{status} =~ /^(new|open|stalled|resolved)$/;
    push @tickets, $t;
}
my $total = @tickets;
print STDERR "rt-load: $total tickets read; scrips ", ( $with_scrips ? "ON" : "skipped (this process only)" ),
    ", batch $batch\n";
exit 0 unless $total;

my $t0 = time;

# ------------------------------------------------------------ requestor users up front
{
    my %seen;
    my @emails = grep { defined && length && !$seen{ lc $_ }++ } map { $_->{requestor} } @tickets;
    my $created = 0;
    $RT::Handle->BeginTransaction;
    for my $email (@emails) {
        my $u = RT::User->new( RT->SystemUser );
        $u->LoadByEmail($email);
        next if $u->id;
        my ( $id, $msg ) = $u->Create(
            Name         => $email,
            EmailAddress => $email,
            Privileged   => 0,
            Comments     => 'Autocreated when added as a watcher',
        );
        unless ($id) { $RT::Handle->ForceRollback; die "cannot create user $email: $msg\n" }
        $created++;
    }
    $RT::Handle->Commit;
    printf STDERR "rt-load: %d requestors (%d created) in %.1fs\n", scalar(@emails), $created, time - $t0;
}

# ------------------------------------------------------------ tickets
sub mime_for {
    my ($body) = @_;
    return MIME::Entity->build(
        Type     => 'text/plain',
        Charset  => 'UTF-8',
        Encoding => '8bit',
        Data     => [ Encode::encode( 'UTF-8', $body ) ],
    );
}

sub load_one {
    my ($t) = @_;
    my @arts  = @{ $t->{articles} };
    my $first = shift @arts;
    my $ticket = RT::Ticket->new($root);
    my ( $id, $txn, $msg ) = $ticket->Create(
        Queue     => $queue->id,
        Subject   => $t->{subject} // '',
        Requestor => $t->{requestor},
        MIMEObj   => mime_for( $first->{body} // '' ),
    );
    die "ticket n=$t->{n}: create failed: $msg\n" unless $id;
    for my $a (@arts) {
        my $method = $a->{internal} ? 'Comment' : 'Correspond';
        my ( $ok, $m ) = $ticket->$method( MIMEObj => mime_for( $a->{body} // '' ) );
        die "ticket n=$t->{n} (#$id): $method failed: $m\n" unless $ok;
    }
    if ( $ticket->Status ne $t->{status} ) {
        my ( $ok, $m ) = $ticket->SetStatus( $t->{status} );
        die "ticket n=$t->{n} (#$id): status $t->{status} failed: $m\n" unless $ok;
    }
    return $id;
}

my $map;
if ($mapfile) { open( $map, '>', $mapfile ) or die "$mapfile: $!\n" }
my ( $done, $articles, $mismatch ) = ( 0, 0, 0 );
my $tl = time;
while ( $done < $total ) {
    my $end = $done + $batch;
    $end = $total if $end > $total;
    $RT::Handle->BeginTransaction;
    my @ids;
    eval {
        for my $i ( $done .. $end - 1 ) {
            my $t  = $tickets[$i];
            my $id = load_one($t);
            $articles += @{ $t->{articles} };
            $mismatch++ if defined $t->{n} && $t->{n} != $id;
            push @ids, [ $t->{n} // '', $id ];
        }
        1;
    } or do {
        my $err = $@ || 'unknown error';
        $RT::Handle->ForceRollback;
        die "rt-load: batch of tickets " . ( $done + 1 ) . "-$end rolled back: $err";
    };
    $RT::Handle->Commit;
    print $map join( "\t", @$_ ), "\n" for $map ? @ids : ();
    $done = $end;
    DBIx::SearchBuilder::Record::Cachable->FlushCache;    # bound memory
    my $now = time;
    if ( $now - $tl >= 5 || $done == $total ) {
        my $el = $now - $t0;
        printf STDERR "rt-load: %d/%d tickets, %d articles, %.1fs, %.1f tickets/s, eta %.0fs\n",
            $done, $total, $articles, $el, $done / $el, ( $total - $done ) * $el / $done;
        $tl = $now;
    }
}
close $map if $map;
my $el = time - $t0;
print STDERR "rt-load: warning: $mismatch tickets got an RT id different from their n (DB not fresh?)\n"
    if $mismatch;
printf "loaded %d tickets (%d articles) in %.1f s: %.2f tickets/s, %.1f articles/s\n",
    $done, $articles, $el, $done / $el, $articles / $el;
