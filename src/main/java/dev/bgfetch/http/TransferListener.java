package dev.bgfetch.http;

/** What a transfer tells its owner while it runs; called on the transfer's thread. */
public interface TransferListener {
    /** The final response's head, before any body byte. */
    void onResponse(ResponseInfo response);

    /**
     * The validators and total length the .part file is now bound to (total -1 = unknown), and the
     * length of the local data the body continues from.
     */
    void onBinding(String etag, String lastModified, long total, long start);

    /** Asks to store {@code n} more bytes; false means the group would exceed its downloadTotal. */
    boolean reserve(long n);

    /** The local partial data was dropped because the server sent the whole body again. */
    void restarted(long dropped);

    /**
     * The body is read (or cut off at a segment's end) and its connection is free for another request;
     * what is left is making the bytes durable, which may take a disk's while.
     */
    default void connectionFree() {
    }
}
